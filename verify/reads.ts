// What a model's similarity reads picked, against the market's truth: HIST's
// softmax over the predefined concepts (does a stock read its own?) and
// IGMTF's day retrieval (do the retrieved days share today's type?). Both
// work on test predictions kept with their outputs (`trainOn(..., { keep:
// true })`); `npm run verify -- --claims` reports them beside the claims, so a
// claim that fails says whether the read found the structure at all.

import { closeMarket, openMarket, queryRows } from '../runtime/data/db.js';
import type { DayPrediction } from '../runtime/train/loop.js';

/** The rows of each query against a generated market's file (opened read-only for them, then closed). */
export async function marketRows(marketPath: string, ...sqls: string[]): Promise<Record<string, unknown>[][]> {
  const db = await openMarket(marketPath);
  try {
    const out: Record<string, unknown>[][] = [];
    for (const sql of sqls) out.push(await queryRows(db, sql));
    return out;
  } finally {
    closeMarket(db);
  }
}

export interface ConceptRead {
  /** mean over stock-days of the weight on the stock's own (listed) concepts */
  own: number;
  /** the same if the weights were uniform over the concepts */
  uniform: number;
  /** mean over stock-days of the largest weight */
  max: number;
}

/**
 * HIST's `read` output (`[N, M]` weights per day, M the listed concepts in
 * name order, as the bipartite graph orders them) against the `concepts`
 * table. A read that finds a stock's concepts puts well above `uniform` on
 * them.
 */
export async function conceptReadStats(preds: DayPrediction[], marketPath: string, field = 'read'): Promise<ConceptRead> {
  const [rows] = await marketRows(marketPath, 'SELECT stock, concept FROM concepts');
  const own = new Map<string, Set<string>>();
  for (const r of rows) {
    const s = String(r['stock']);
    if (!own.has(s)) own.set(s, new Set());
    own.get(s)!.add(String(r['concept']));
  }
  const concepts = [...new Set(rows.map((r) => String(r['concept'])))].sort();
  const M = concepts.length;
  let onOwn = 0;
  let uniform = 0;
  let max = 0;
  let n = 0;
  for (const p of preds) {
    const G = p.outputs?.[field];
    if (!G) throw new Error(`conceptReadStats needs the model output ${field} (trainOn with keep: true)`);
    if (G.length !== p.instruments.length * M) throw new Error(`${field} has ${G.length} values for ${p.instruments.length} stocks × ${M} concepts`);
    p.instruments.forEach((s, i) => {
      const mine = own.get(s) ?? new Set<string>();
      let w = 0;
      let top = 0;
      for (let c = 0; c < M; c++) {
        const g = G[i * M + c]!;
        if (mine.has(concepts[c]!)) w += g;
        top = Math.max(top, g);
      }
      onOwn += w;
      uniform += mine.size / M;
      max += top;
      n++;
    });
  }
  return n ? { own: onOwn / n, uniform: uniform / n, max: max / n } : { own: NaN, uniform: NaN, max: NaN };
}

export interface DayRetrieval {
  /** share of the retrieved days whose visible day type is today's */
  same: number;
  /** the share a retrieval blind to the type would get (the bank's type frequencies) */
  chance: number;
}

/**
 * IGMTF's `days` output (positions in its bank of training-day encodings)
 * against `truth_day_type`. The bank holds every trading day of the train
 * segment [trainStart, trainEnd] in order (each has stocks, so each is
 * written); position y is the y-th of them.
 */
export async function retrievalStats(preds: DayPrediction[], marketPath: string, trainStart: string, trainEnd: string, field = 'days'): Promise<DayRetrieval> {
  const [rows] = await marketRows(marketPath, 'SELECT CAST(day AS VARCHAR) AS day, day_type FROM truth_day_type ORDER BY day');
  const typeOf = new Map(rows.map((r) => [String(r['day']), Number(r['day_type'])]));
  const bank = rows.filter((r) => String(r['day']) >= trainStart && String(r['day']) <= trainEnd).map((r) => Number(r['day_type']));
  const freq = new Map<number, number>();
  for (const t of bank) freq.set(t, (freq.get(t) ?? 0) + 1);
  let same = 0;
  let chance = 0;
  let n = 0;
  for (const p of preds) {
    const days = p.outputs?.[field];
    if (!days) throw new Error(`retrievalStats needs the model output ${field} (trainOn with keep: true)`);
    const t = typeOf.get(p.day);
    if (t === undefined) continue;
    for (const y of days) {
      if (y < 0 || y >= bank.length) continue; // padding: fewer readable days than k_day
      same += bank[y] === t ? 1 : 0;
      chance += (freq.get(t) ?? 0) / bank.length;
      n++;
    }
  }
  return n ? { same: same / n, chance: chance / n } : { same: NaN, chance: NaN };
}
