// The ground-truth tables of the synthetic market (names start with
// `truth_`): hidden clusters, regimes, day types, market states, latent
// factors and exposures, event and relation parameters, news sentiments and
// directions, latent stock vectors, fund styles, the MF state, θ*_t,
// indicator scales, the momentum drifts and the planted intraday drifts. No
// model or strategy may read them; tests and diagnostics do.
//
// Guarantees: written for every effect setting (an effect at amplitude 0
// still records its latent series), each with a total ORDER BY on its key.

import type { DuckDBConnection } from '@duckdb/node-api';
import { materialize, stage, type StageColumn } from './duck.js';
import type { NewsRows } from './events.js';
import type { Latent } from './latent.js';
import { LATENT_NAMES, STYLE_NAMES, THETA_NAMES } from './latent.js';
import type { DriftRows } from './minute.js';
import type { Bars } from './simulate.js';
import {
  DAYTYPE_FEATURES, EVENT_BETA, EVENT_SIGNATURE_TOKENS, EVENT_TYPES, INDICATORS, Q_DIM, REL_RHO, REL_TYPES,
  type Structure,
} from './structure.js';
import {
  JOIN_DAY, JOIN_STOCK, conceptName, fundName, gather, industryName, maskRows, stockDayTable,
} from './tables.js';

async function plainTable(con: DuckDBConnection, name: string, cols: StageColumn[], orderBy: string, select = '*'): Promise<number> {
  const st = `st_${name}`;
  const rows = await stage(con, st, cols);
  await materialize(con, name, `SELECT ${select} FROM temp.${st} s ORDER BY ${orderBy}`, st);
  return rows;
}

async function dayTable(con: DuckDBConnection, name: string, day: Int32Array, cols: StageColumn[], select: string, orderBy: string): Promise<number> {
  const st = `st_${name}`;
  const rows = await stage(con, st, [{ name: 'day', type: 'INTEGER', data: day }, ...cols]);
  await materialize(con, name, `SELECT d.day AS day, ${select} FROM temp.${st} s ${JOIN_DAY('d')} ORDER BY ${orderBy}`, st);
  return rows;
}

async function stockTable(con: DuckDBConnection, name: string, P: number, cols: StageColumn[], select: string, orderBy = 'stock'): Promise<number> {
  const st = `st_${name}`;
  const rows = await stage(con, st, [{ name: 'stock', type: 'INTEGER', data: Int32Array.from({ length: P }, (_, i) => i) }, ...cols]);
  await materialize(con, name, `SELECT c.code AS stock, ${select} FROM temp.${st} s ${JOIN_STOCK('c')} ORDER BY ${orderBy}`, st);
  return rows;
}

/** A long (day, key, value) table from a key-major or day-major series. */
async function seriesTable(
  con: DuckDBConnection,
  name: string,
  keyCol: string,
  keys: string[],
  D: number,
  value: (key: number, t: number) => number,
): Promise<number> {
  const n = keys.length * D;
  const day = new Int32Array(n);
  const key = new Array<string>(n);
  const val = new Float64Array(n);
  let r = 0;
  for (let k = 0; k < keys.length; k++) {
    for (let t = 0; t < D; t++) {
      day[r] = t;
      key[r] = keys[k]!;
      val[r] = value(k, t);
      r++;
    }
  }
  return dayTable(con, name, day, [
    { name: 'key', type: 'VARCHAR', data: key },
    { name: 'value', type: 'DOUBLE', data: val },
  ], `s.key AS ${keyCol}, s.value`, `day, ${keyCol}`);
}

export async function writeTruth(
  con: DuckDBConnection,
  S: Structure,
  L: Latent,
  bars: Bars,
  news: NewsRows,
  drift: DriftRows,
  nIndustries: number,
): Promise<Record<string, number>> {
  const { P, D } = S;
  const K = S.leadersOf.length;
  const T = S.dtSig.length / K;
  const counts: Record<string, number> = {};
  const days = Int32Array.from({ length: D }, (_, t) => t);

  counts.truth_hidden_cluster = await stockTable(con, 'truth_hidden_cluster', P, [{ name: 'cluster', type: 'INTEGER', data: S.cluster }], 's.cluster');
  counts.truth_stock = await stockTable(con, 'truth_stock', P, [
    { name: 'cluster', type: 'INTEGER', data: S.cluster },
    { name: 'stable', type: 'BOOLEAN', data: Uint8Array.from(S.cluster, (c) => S.stableCluster[c]!) },
    { name: 'leader', type: 'BOOLEAN', data: S.leader },
    { name: 'sigma', type: 'DOUBLE', data: S.sigma },
    { name: 'beta', type: 'DOUBLE', data: S.beta },
    { name: 'kappa', type: 'DOUBLE', data: S.kappa },
    { name: 'hidden_loading', type: 'DOUBLE', data: S.hiddenLoading },
    { name: 'list_day', type: 'INTEGER', data: S.listDay },
  ], 's.cluster, s.stable, s.leader, s.sigma, s.beta, s.kappa, s.hidden_loading, (SELECT day FROM temp.days WHERE idx = s.list_day) AS list_day');

  {
    const n = K * D;
    const day = new Int32Array(n);
    const grp = new Int32Array(n);
    const reg = new Int32Array(n);
    let r = 0;
    for (let c = 0; c < K; c++) for (let t = 0; t < D; t++) (day[r] = t), (grp[r] = c), (reg[r] = L.regime[c * D + t]!), r++;
    counts.truth_regime = await dayTable(con, 'truth_regime', day, [
      { name: 'grp', type: 'INTEGER', data: grp },
      { name: 'regime', type: 'INTEGER', data: reg },
    ], 's.grp, s.regime', 'day, grp');
  }
  counts.truth_day_type = await dayTable(con, 'truth_day_type', days, [
    { name: 'day_type', type: 'INTEGER', data: L.dayType },
    { name: 'label_day_type', type: 'INTEGER', data: L.labelDayType },
  ], 's.day_type, s.label_day_type', 'day');
  {
    const cl: number[] = [];
    const dt: number[] = [];
    const cols: number[][] = [[], [], [], [], []];
    for (let c = 0; c < K; c++) {
      for (let d = 0; d < T; d++) {
        cl.push(c);
        dt.push(d);
        cols[0]!.push(S.dtAlpha[c * T + d]!);
        for (let f = 0; f < DAYTYPE_FEATURES; f++) cols[f + 1]!.push(S.dtW[(c * T + d) * DAYTYPE_FEATURES + f]!);
        cols[4]!.push(S.dtSig[d * K + c]!);
      }
    }
    counts.truth_day_type_map = await plainTable(con, 'truth_day_type_map', [
      { name: 'cluster', type: 'INTEGER', data: Int32Array.from(cl) },
      { name: 'day_type', type: 'INTEGER', data: Int32Array.from(dt) },
      ...['alpha', 'w_r', 'w_r5', 'w_u', 'signature'].map((name, k) => ({ name, type: 'DOUBLE' as const, data: Float64Array.from(cols[k]!) })),
    ], 'cluster, day_type');
  }
  counts.truth_market_state = await dayTable(con, 'truth_market_state', days, [
    { name: 'state', type: 'INTEGER', data: L.marketState },
    { name: 'market_return', type: 'DOUBLE', data: L.market },
  ], 's.state, s.market_return', 'day');

  {
    const st: number[] = [];
    const cn: string[] = [];
    const g: number[] = [];
    S.conceptsOf.forEach((cs, i) => cs.forEach((c, k) => (st.push(i), cn.push(conceptName(c)), g.push(S.gammaOf[i]![k]!))));
    const rows = await stage(con, 'st_tcl', [
      { name: 'stock', type: 'INTEGER', data: Int32Array.from(st) },
      { name: 'concept', type: 'VARCHAR', data: cn },
      { name: 'gamma', type: 'DOUBLE', data: Float64Array.from(g) },
    ]);
    await materialize(con, 'truth_concept_loading',
      `SELECT c.code AS stock, s.concept, s.gamma FROM temp.st_tcl s ${JOIN_STOCK('c')} ORDER BY stock, concept`, 'st_tcl');
    counts.truth_concept_loading = rows;
  }
  const M = L.conceptPhi.length;
  counts.truth_concept_factor = await seriesTable(con, 'truth_concept_factor', 'concept',
    Array.from({ length: M }, (_, c) => conceptName(c)), D, (c, t) => L.conceptFactor[c * D + t]!);
  counts.truth_hidden_factor = await seriesTable(con, 'truth_hidden_factor', 'cluster',
    Array.from({ length: K }, (_, c) => String(c)), D, (c, t) => L.hiddenFactor[c * D + t]!);
  counts.truth_ar_phi = await plainTable(con, 'truth_ar_phi', [
    { name: 'kind', type: 'VARCHAR', data: [...Array(M).fill('concept'), ...Array(K).fill('hidden')] },
    { name: 'id', type: 'VARCHAR', data: [...Array.from({ length: M }, (_, c) => conceptName(c)), ...Array.from({ length: K }, (_, c) => String(c))] },
    { name: 'phi', type: 'DOUBLE', data: Float64Array.from([...L.conceptPhi, ...L.hiddenPhi]) },
  ], 'kind, id');

  {
    const names = [...STYLE_NAMES, ...LATENT_NAMES, ...Array.from({ length: nIndustries }, (_, k) => industryName(k))];
    const NS = STYLE_NAMES.length;
    const NL = LATENT_NAMES.length;
    counts.truth_factor_return = await seriesTable(con, 'truth_factor_return', 'factor', names, D, (k, t) =>
      k < NS ? bars.styleRet[t * NS + k]! : k < NS + NL ? bars.latentRet[t * NL + k - NS]! : bars.industryRet[t * nIndustries + k - NS - NL]!);
  }
  {
    const rows = maskRows((at) => Number.isFinite(bars.close[at]!), P, D);
    counts.truth_latent_exposure = await stockDayTable(con, 'truth_latent_exposure', rows.stock, rows.day,
      LATENT_NAMES.map((name, k) => ({ name, type: 'DOUBLE' as const, data: gather(bars.latent[k]!, rows.at) })),
      LATENT_NAMES.map((n) => `nullif(s.${n}, 'NaN'::DOUBLE) AS ${n}`).join(', '), 'day, stock', true);
    // The idiosyncratic momentum drift d_it (unit variance, before momentum.amp·s_i) on trading stock-days.
    counts.truth_momentum_drift = await stockDayTable(con, 'truth_momentum_drift', rows.stock, rows.day,
      [{ name: 'drift', type: 'DOUBLE', data: gather(L.drift, rows.at) }], 's.drift', 'day, stock', true);
  }

  counts.truth_event_type = await plainTable(con, 'truth_event_type', [
    { name: 'type', type: 'INTEGER', data: Int32Array.from({ length: EVENT_TYPES }, (_, k) => k) },
    { name: 'beta', type: 'DOUBLE', data: Float64Array.from(EVENT_BETA) },
    {
      name: 'tokens', type: 'INTEGER_LIST',
      offsets: Int32Array.from({ length: EVENT_TYPES + 1 }, (_, k) => k * EVENT_SIGNATURE_TOKENS),
      data: S.eventTokens,
    },
  ], 'type');
  counts.truth_relation_type = await plainTable(con, 'truth_relation_type', [
    { name: 'rel_type', type: 'VARCHAR', data: [...REL_TYPES] },
    { name: 'rho', type: 'DOUBLE', data: Float64Array.from(REL_RHO) },
  ], 'rel_type');
  counts.truth_news = await plainTable(con, 'truth_news', [
    { name: 'news_id', type: 'INTEGER', data: Int32Array.from({ length: news.day.length }, (_, k) => k + 1) },
    { name: 'sentiment', type: 'INTEGER', data: news.sentiment },
    { name: 'is_rumour', type: 'BOOLEAN', data: news.rumour },
  ], 'news_id');
  counts.truth_news_direction = await plainTable(con, 'truth_news_direction', [
    { name: 'name', type: 'VARCHAR', data: ['rumour', 'sentiment'] },
    { name: 'vec', type: 'DOUBLE_LIST', data: [Array.from(news.rumourDir), Array.from(news.sentDir)] },
  ], 'name');

  counts.truth_stock_vector = await stockTable(con, 'truth_stock_vector', P, [
    { name: 'q', type: 'DOUBLE_LIST', data: Array.from({ length: P }, (_, i) => Array.from(S.q.subarray(i * Q_DIM, (i + 1) * Q_DIM))) },
  ], 's.q');
  {
    const U = S.fundAum.length;
    const offsets = new Int32Array(U + 1);
    const flat: number[] = [];
    for (let u = 0; u < U; u++) {
      flat.push(...S.fundClusters[u]!);
      offsets[u + 1] = flat.length;
    }
    counts.truth_fund_style = await plainTable(con, 'truth_fund_style', [
      { name: 'fund', type: 'VARCHAR', data: Array.from({ length: U }, (_, u) => fundName(u)) },
      { name: 'p', type: 'DOUBLE_LIST', data: Array.from({ length: U }, (_, u) => Array.from(S.fundStyle.subarray(u * Q_DIM, (u + 1) * Q_DIM))) },
      { name: 'clusters', type: 'INTEGER_LIST', offsets, data: Int32Array.from(flat) },
      { name: 'aum', type: 'DOUBLE', data: S.fundAum },
    ], 'fund');
  }
  counts.truth_mf_state = await dayTable(con, 'truth_mf_state', days, [
    { name: 's', type: 'DOUBLE_LIST', data: Array.from({ length: D }, (_, t) => Array.from(L.mfState.subarray(t * Q_DIM, (t + 1) * Q_DIM))) },
  ], 's.s', 'day');
  {
    const NT = THETA_NAMES.length;
    counts.truth_theta = await seriesTable(con, 'truth_theta', 'feature', [...THETA_NAMES], D, (k, t) => L.theta[t * NT + k]!);
  }
  {
    const cl: number[] = [];
    const ind: string[] = [];
    const sc: number[] = [];
    for (let c = 0; c < K; c++) INDICATORS.forEach((name, k) => (cl.push(c), ind.push(name), sc.push(S.indScale[c * 2 + k]!)));
    counts.truth_indicator_scale = await plainTable(con, 'truth_indicator_scale', [
      { name: 'cluster', type: 'INTEGER', data: Int32Array.from(cl) },
      { name: 'indicator', type: 'VARCHAR', data: ind },
      { name: 'scale', type: 'DOUBLE', data: Float64Array.from(sc) },
    ], 'cluster, indicator');
  }
  counts.truth_minute_drift = await stockDayTable(con, 'truth_minute_drift', drift.stock, drift.day, [
    { name: 'interval', type: 'INTEGER', data: drift.interval },
    { name: 'ofi', type: 'DOUBLE', data: drift.ofi },
    { name: 'drift', type: 'DOUBLE', data: drift.drift },
  ], 's.interval::SMALLINT AS interval, s.ofi, s.drift', 'day, stock, interval', true);
  return counts;
}
