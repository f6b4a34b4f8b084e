// The embedded synthetic market: `generateMarket` writes a deterministic,
// seeded DuckDB file with the market schema of docs/data.md plus the tables
// each paper's model reads and the ground-truth `truth_*` tables
// (docs/synthetic-market.md describes every table and planted effect).
//
// Pipeline: calendar → static structure → exogenous latent series → events
// and news → the day-by-day simulation of daily bars and exposures →
// membership → minute bars (which refine those days' high/low/vwap) → the
// index series → fund holdings → one atomic DuckDB write.
//
// Guarantees: same preset + seed + effects ⇒ identical table contents; the
// `meta` table's `version` hashes generator version, preset, seed and
// effects; bad options end in a DiagnosticError (Q5501–Q5505), never a raw
// exception; the target file is replaced atomically or left untouched.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { tradingCalendar } from './calendar.js';
import { materialize, stage, withAtomicDatabase } from './duck.js';
import { resolveEffects, type EffectOverrides, type Effects } from './effects.js';
import { buildEvents, buildNews } from './events.js';
import { exogenous } from './exogenous.js';
import { buildHoldings } from './funds.js';
import { buildLatent } from './latent.js';
import { buildMinutes } from './minute.js';
import { PRESETS, PRESET_NAMES, type Preset, type PresetName } from './presets.js';
import { simulate } from './simulate.js';
import { buildStructure, withDayTypeCommon } from './structure.js';
import {
  INDEX_CODE, UNIVERSE_NAME, stageLookups, writeBars, writeCalendar, writeEvents, writeGroups, writeHoldings,
  writeMinutes, writeNews, writeOrders, writeStyles, writeUniverse,
} from './tables.js';
import { writeTruth } from './truth.js';
import { buildIndex, buildUniverse } from './universe.js';

export type { Effects, EffectName, EffectOverrides } from './effects.js';
export { EFFECT_NAMES, defaultEffects, isolateEffects, noEffects, resolveEffects } from './effects.js';
export type { PresetName } from './presets.js';
export { PRESETS, PRESET_NAMES } from './presets.js';
export { INDEX_CODE, UNIVERSE_NAME } from './tables.js';

/** Bump whenever generated data would change for the same options. */
export const GENERATOR_VERSION = 'quiver-synth/2';

export interface GenerateOptions {
  path: string;
  preset: PresetName;
  seed: number;
  effects?: EffectOverrides;
  /** Which part of the market gets minute bars (defaults from the preset). */
  minute?: { stocks?: number; days?: number };
  /** Called after each generation and writing phase with its wall-clock milliseconds. */
  onPhase?: (phase: string, ms: number) => void;
}

export interface MarketSummary {
  path: string;
  preset: PresetName;
  seed: number;
  version: string;
  effects: Effects;
  start: string;
  end: string;
  days: number;
  /** Stocks generated (index members and non-members). */
  stocks: number;
  /** Index members per day (constant). */
  members: number;
  /** Row count of every table written. */
  tables: Record<string, number>;
  bytes: number;
  /** Wall-clock milliseconds: generation in JS, writing into DuckDB, total. */
  timings: { generateMs: number; writeMs: number; totalMs: number };
}

/** The canonical version string of a market. */
export function marketVersion(preset: Preset, seed: number, effects: Effects): string {
  const text = JSON.stringify({ generator: GENERATOR_VERSION, preset, seed, effects });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function checkOptions(opts: GenerateOptions): { preset: Preset; effects: Effects } {
  if (typeof opts.preset !== 'string' || !(PRESET_NAMES as readonly string[]).includes(opts.preset)) {
    throw new DiagnosticError(diag('synthUnknownPreset', { preset: String(opts.preset), known: PRESET_NAMES.join(', ') }));
  }
  if (typeof opts.seed !== 'number' || !Number.isSafeInteger(opts.seed) || opts.seed < 0) {
    throw new DiagnosticError(diag('synthBadOption', { option: 'seed', value: String(opts.seed), expected: 'a non-negative integer' }));
  }
  if (typeof opts.path !== 'string' || opts.path.trim() === '') {
    throw new DiagnosticError(diag('synthBadOption', { option: 'path', value: String(opts.path), expected: 'a file path' }));
  }
  const base = PRESETS[opts.preset];
  const preset: Preset = { ...base };
  const limits = { stocks: base.members, days: tradingCalendar(base.start, base.years).iso.length };
  for (const key of ['stocks', 'days'] as const) {
    const v = opts.minute?.[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 0 || v > limits[key]) {
      throw new DiagnosticError(
        diag('synthBadOption', { option: `minute.${key}`, value: String(v), expected: `an integer in [0, ${limits[key]}]` }),
      );
    }
    if (key === 'stocks') preset.minuteStocks = v;
    else preset.minuteDays = v;
  }
  return { preset, effects: resolveEffects(opts.preset, opts.effects) };
}

async function writeMeta(con: DuckDBConnection, entries: [string, string][]): Promise<void> {
  await stage(con, 'st_meta', [
    { name: 'key', type: 'VARCHAR', data: entries.map((e) => e[0]) },
    { name: 'value', type: 'VARCHAR', data: entries.map((e) => e[1]) },
  ]);
  await materialize(con, 'meta', 'SELECT key, value FROM temp.st_meta ORDER BY key', 'st_meta');
}

/** Generate the market and write it to `opts.path` (atomically). */
export async function generateMarket(opts: GenerateOptions): Promise<MarketSummary> {
  const t0 = performance.now();
  const { preset, effects } = checkOptions(opts);
  const target = path.resolve(opts.path);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DiagnosticError(diag('synthWriteFailed', { path: opts.path, reason: `folder ${dir} does not exist` }));
  }
  const seed = opts.seed;
  let last = performance.now();
  const lap = (phase: string): void => {
    const now = performance.now();
    opts.onPhase?.(phase, now - last);
    last = now;
  };
  const cal = tradingCalendar(preset.start, preset.years);
  const D = cal.iso.length;
  const S = withDayTypeCommon(buildStructure(preset, seed, D, effects.concepts.shuffle), effects.dayTypes.common);
  lap('structure');
  const L = buildLatent(preset, seed, D, S.P, effects);
  lap('latent');
  const exo = exogenous(S, L, effects, preset.industries);
  lap('exogenous');
  const events = buildEvents(preset, seed, S, effects, exo);
  const news = buildNews(preset, seed, S, effects, exo);
  lap('events+news');
  const bars = simulate(seed, S, L, effects, exo);
  lap('simulate');
  const { member, spans } = buildUniverse(S, bars, cal.iso, preset.members);
  lap('universe');
  const minute = buildMinutes(seed, S, bars, member, preset.minuteStocks, preset.minuteDays, effects.intraday.amp);
  lap('minutes');
  const index = buildIndex(S, bars, member);
  lap('index');
  const holdings = buildHoldings(seed, S, bars, cal.iso, effects.funds.tilt);
  lap('holdings');
  const t1 = performance.now();

  const version = marketVersion(preset, seed, effects);
  const tables: Record<string, number> = {};
  try {
    await withAtomicDatabase(target, async (con) => {
      await stageLookups(con, S, cal.epoch);
      tables.calendar = await writeCalendar(con);
      lap('write calendar');
      tables.bars_daily = await writeBars(con, S, bars, index);
      lap('write bars_daily');
      tables.universe = await writeUniverse(con, spans);
      Object.assign(tables, await writeGroups(con, S));
      lap('write universe+groups');
      tables.events = await writeEvents(con, events);
      tables.news = await writeNews(con, news);
      lap('write events+news');
      tables.fund_holdings = await writeHoldings(con, holdings);
      lap('write fund_holdings');
      tables.style_exposures = await writeStyles(con, S, bars);
      lap('write style_exposures');
      tables.bars_minute = await writeMinutes(con, minute.minutes);
      tables.orders = await writeOrders(con, minute.orders);
      lap('write bars_minute+orders');
      Object.assign(tables, await writeTruth(con, S, L, bars, news, minute.drift, preset.industries));
      lap('write truth');
      const meta: [string, string][] = [
        ['version', version],
        ['source', 'quiver synthetic market'],
        ['generator', GENERATOR_VERSION],
        ['preset', preset.name],
        ['preset_params', JSON.stringify(preset)],
        ['seed', String(seed)],
        ['effects', JSON.stringify(effects)],
        ['start', cal.iso[0]!],
        ['end', cal.iso[D - 1]!],
        ['days', String(D)],
        ['stocks', String(S.P)],
        ['members', String(preset.members)],
        ['universe', UNIVERSE_NAME],
        ['index', INDEX_CODE],
        ['minute_stocks', String(minute.stocks.length)],
        ['minute_first_day', cal.iso[minute.firstDay] ?? ''],
      ];
      await writeMeta(con, meta);
      tables.meta = meta.length;
      lap('write meta');
    });
    lap('checkpoint+rename');
  } catch (err) {
    if (err instanceof DiagnosticError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new DiagnosticError(diag('synthWriteFailed', { path: opts.path, reason }));
  }
  const t2 = performance.now();
  return {
    path: target,
    preset: preset.name,
    seed,
    version,
    effects,
    start: cal.iso[0]!,
    end: cal.iso[D - 1]!,
    days: D,
    stocks: S.P,
    members: preset.members,
    tables,
    bytes: fs.statSync(target).size,
    timings: { generateMs: Math.round(t1 - t0), writeMs: Math.round(t2 - t1), totalMs: Math.round(t2 - t0) },
  };
}
