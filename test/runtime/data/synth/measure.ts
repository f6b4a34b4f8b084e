// Test support: one statistic (or a few) per planted effect of the synthetic
// market, each computed from the tables of a generated file (observable
// tables plus the `truth_*` tables that say where the structure was
// planted). Each is near zero when its effect is off and clearly non-zero
// when it is on; synth-effects.test.ts holds the thresholds.
//
// Constants (1.6, 2.5, 0.7, √1.49) are the documented ones of
// docs/synthetic-market.md, not imports from the generator.

import type { DuckDBConnection } from '@duckdb/node-api';
import {
  coMovementGap, computeFeatures, corr, dailySlopes, groupMeans, groupPersistence, meanDailyR2, partialCorr,
  pooledR2, scaled, type Features,
} from './effect-stats.js';
import { readDaily, rows, type Daily } from './market-reader.js';

export type Stats = Record<string, number>;

function groupsFrom(d: Daily, pairs: unknown[][]): { membersOf: number[][]; groupsOf: number[][]; names: string[] } {
  const names = [...new Set(pairs.map((p) => String(p[1])))].sort();
  const gIndex = new Map(names.map((n, k) => [n, k]));
  const membersOf: number[][] = names.map(() => []);
  const groupsOf: number[][] = Array.from({ length: d.P }, () => []);
  for (const [s, g] of pairs) {
    const i = d.stockIndex.get(String(s));
    if (i === undefined) continue;
    const k = gIndex.get(String(g))!;
    membersOf[k]!.push(i);
    groupsOf[i]!.push(k);
  }
  return { membersOf, groupsOf, names };
}

/** Mean over groups of corr(group mean residual return, the truth factor series of the group). */
async function truthCorr(con: DuckDBConnection, d: Daily, f: Features, membersOf: number[][], names: string[], sql: string): Promise<number> {
  const gm = groupMeans(d, f, membersOf);
  const series = new Map<string, Float64Array>();
  for (const [day, key, v] of await rows(con, sql)) {
    const k = String(key);
    if (!series.has(k)) series.set(k, new Float64Array(d.D).fill(NaN));
    series.get(k)![d.dayIndex.get(String(day))!] = Number(v);
  }
  let s = 0;
  let n = 0;
  names.forEach((name, g) => {
    const tr = series.get(name);
    if (!tr || membersOf[g]!.length < 3) return;
    const c = corr(gm.subarray(g * d.D, (g + 1) * d.D), tr);
    if (Number.isFinite(c)) {
      s += c;
      n++;
    }
  });
  return s / Math.max(1, n);
}

/** The sections of `measureEffects`: one per planted effect (concepts and hidden share one). */
export type Section =
  | 'market' | 'concepts' | 'hidden' | 'temporal' | 'crossStock' | 'regimes' | 'dayTypes' | 'factors' | 'events'
  | 'news' | 'funds' | 'indicators' | 'secondOrder' | 'momentum' | 'intraday';

/**
 * Every statistic, or only those of the given sections (keys start with the
 * section name). `reference`: a market with the same seed whose
 * `truth_factor_return` to compare with; the latent factor returns are drawn
 * whatever the amplitudes but stored scaled by `factors.amp`, so a market
 * with the factors off is compared against the draws of one with them on.
 */
export async function measureEffects(con: DuckDBConnection, only?: readonly Section[], reference?: DuckDBConnection): Promise<Stats> {
  const want = (...names: Section[]): boolean => !only || names.some((n) => only.includes(n));
  const d = await readDaily(con);
  const f = computeFeatures(d);
  const { P, D } = d;
  const out: Stats = {};
  const tanh = Math.tanh;

  // ── market (ADD) ──────────────────────────────────────────────────────
  if (want('market')) {
    const state = new Int32Array(D);
    for (const [day, s] of await rows(con, 'SELECT strftime(day, \'%Y-%m-%d\'), state FROM truth_market_state')) {
      state[d.dayIndex.get(String(day))!] = Number(s);
    }
    const mean = new Float64Array(D).fill(NaN);
    for (let t = 1; t < D; t++) {
      let s = 0;
      let n = 0;
      for (let i = 0; i < P; i++) {
        const v = f.r[i * D + t]!;
        if (Number.isFinite(v)) {
          s += v;
          n++;
        }
      }
      if (n) mean[t] = s / n;
    }
    const byState = [0, 1, 2].map((k) => Array.from(mean).filter((v, t) => state[t] === k && Number.isFinite(v)));
    const all = byState.flat();
    const mu = all.reduce((a, b) => a + b, 0) / all.length;
    const sst = all.reduce((a, b) => a + (b - mu) ** 2, 0);
    const ssb = byState.reduce((a, g) => {
      const m = g.reduce((x, y) => x + y, 0) / Math.max(1, g.length);
      return a + g.length * (m - mu) ** 2;
    }, 0);
    out['market.r2'] = ssb / sst;
    const sd = (g: number[]): number => {
      const m = g.reduce((x, y) => x + y, 0) / g.length;
      return Math.sqrt(g.reduce((x, y) => x + (y - m) ** 2, 0) / (g.length - 1));
    };
    out['market.volRatio'] = sd(byState[0]!) / sd(byState[1]!);
  }

  // ── concepts and hidden clusters (HIST) ────────────────────────────────
  if (want('concepts', 'hidden')) {
    const listed = groupsFrom(d, await rows(con, 'SELECT stock, concept FROM concepts'));
    const truth = groupsFrom(d, await rows(con, 'SELECT stock, concept FROM truth_concept_loading'));
    out['concepts.gap'] = coMovementGap(d, f, listed.groupsOf).gap;
    out['concepts.truthGap'] = coMovementGap(d, f, truth.groupsOf).gap;
    out['concepts.persistence'] = groupPersistence(d, f, truth.membersOf);
    out['concepts.truthCorr'] = await truthCorr(con, d, f, truth.membersOf, truth.names,
      "SELECT strftime(day, '%Y-%m-%d'), concept, value FROM truth_concept_factor");
    const hidden = groupsFrom(d, await rows(con, 'SELECT stock, cluster::VARCHAR FROM truth_hidden_cluster'));
    out['hidden.gap'] = coMovementGap(d, f, hidden.groupsOf).gap;
    out['hidden.persistence'] = groupPersistence(d, f, hidden.membersOf);
    out['hidden.truthCorr'] = await truthCorr(con, d, f, hidden.membersOf, hidden.names,
      "SELECT strftime(day, '%Y-%m-%d'), cluster::VARCHAR, value FROM truth_hidden_factor");
  }

  // Per-stock truth used below.
  const cluster = new Int32Array(P);
  const leader = new Uint8Array(P);
  const stable = new Uint8Array(P);
  const sigma = new Float64Array(P);
  const kappa = new Float64Array(P);
  for (const [s, c, st, l, sg, k] of await rows(con, 'SELECT stock, cluster, stable, leader, sigma, kappa FROM truth_stock')) {
    const i = d.stockIndex.get(String(s))!;
    cluster[i] = Number(c);
    stable[i] = st ? 1 : 0;
    leader[i] = l ? 1 : 0;
    sigma[i] = Number(sg);
    kappa[i] = Number(k);
  }
  const K = Math.max(...cluster) + 1;
  const iOf = (at: number): number => Math.floor(at / D);
  const tOf = (at: number): number => at % D;

  // ── temporal (GRU > Linear) ────────────────────────────────────────────
  if (want('temporal')) {
    const { x, y } = scaled(f, (at) => tanh(f.r[at]! / f.sig20[at]!) * tanh(2 * f.u[at]!));
    out['temporal.ic'] = corr(x, y);
    const rt = scaled(f, (at) => f.r[at]! / f.sig20[at]!).x;
    const ut = scaled(f, (at) => f.u[at]!).x;
    const r5t = scaled(f, (at) => f.r5[at]! / f.sig20[at]!).x;
    const linear = pooledR2([rt, ut, r5t], y);
    out['temporal.linearR2'] = linear;
    out['temporal.r2Gain'] = pooledR2([rt, ut, r5t, x], y) - linear;
  }

  // ── cross-stock lead–lag (GATs > GRU) ──────────────────────────────────
  // Followers' next return on their cluster leaders' residual returns today,
  // controlling for the cluster's followers' mean and the stock's own return
  // (which carry the persistent cluster factor and own-path effects).
  if (want('crossStock')) {
    const leaderMean = new Float64Array(K * D).fill(NaN);
    const followerMean = new Float64Array(K * D).fill(NaN);
    for (let c = 0; c < K; c++) {
      for (let t = 0; t < D; t++) {
        let s = 0;
        let n = 0;
        let sf = 0;
        let nf = 0;
        for (let i = 0; i < P; i++) {
          if (cluster[i] !== c) continue;
          const v = f.resid[i * D + t]! / sigma[i]!;
          if (!Number.isFinite(v)) continue;
          if (leader[i]) {
            s += v;
            n++;
          } else {
            sf += v;
            nf++;
          }
        }
        if (n) leaderMean[c * D + t] = s / Math.sqrt(n);
        if (nf) followerMean[c * D + t] = sf / nf;
      }
    }
    const { x, y } = scaled(f, (at) => leaderMean[cluster[iOf(at)]! * D + tOf(at)]!);
    const peers = scaled(f, (at) => followerMean[cluster[iOf(at)]! * D + tOf(at)]!).x;
    const own = scaled(f, (at) => f.resid[at]! / f.sig20[at]!).x;
    out['crossStock.follower'] = partialCorr(x, y, [peers, own], (at) => !leader[iOf(at)]);
    // Placebo: the leaders of the next cluster.
    const other = scaled(f, (at) => leaderMean[((cluster[iOf(at)]! + 1) % K) * D + tOf(at)]!).x;
    out['crossStock.placebo'] = partialCorr(other, y, [peers, own], (at) => !leader[iOf(at)]);
  }

  // ── regimes (TRA) ──────────────────────────────────────────────────────
  if (want('regimes')) {
    const regime = new Int8Array(K * D).fill(-1);
    for (const [day, g, r] of await rows(con, "SELECT strftime(day, '%Y-%m-%d'), grp, regime FROM truth_regime")) {
      regime[Number(g) * D + d.dayIndex.get(String(day))!] = Number(r);
    }
    const reg = (at: number): number => regime[cluster[iOf(at)]! * D + tOf(at)]!;
    const mom = scaled(f, (at) => tanh(f.r5[at]! / (f.sig20[at]! * Math.sqrt(5))));
    // Momentum-regime minus reversal-regime IC of the 5-day return: other
    // momentum-like effects add equally to both and cancel.
    out['regimes.momentumGap'] = corr(mom.x, mom.y, (at) => reg(at) === 0) - corr(mom.x, mom.y, (at) => reg(at) === 1);
    const vol = scaled(f, (at) => tanh(2 * f.u[at]!));
    out['regimes.volume'] = corr(vol.x, vol.y, (at) => reg(at) === 2) - corr(vol.x, vol.y, (at) => reg(at) !== 2);
    let same = 0;
    let n = 0;
    for (let c = 0; c < K; c++) {
      for (let t = 1; t < D; t++) {
        n++;
        if (regime[c * D + t] === regime[c * D + t - 1]) same++;
      }
    }
    out['regimes.stay'] = same / n;
  }

  // ── day types (IGMTF) ──────────────────────────────────────────────────
  if (want('dayTypes')) {
    const dayType = new Int32Array(D);
    const labelType = new Int32Array(D);
    for (const [day, a, b] of await rows(con, "SELECT strftime(day, '%Y-%m-%d'), day_type, label_day_type FROM truth_day_type")) {
      dayType[d.dayIndex.get(String(day))!] = Number(a);
      labelType[d.dayIndex.get(String(day))!] = Number(b);
    }
    const map = new Map<string, number[]>();
    for (const [c, t, ...v] of await rows(con, 'SELECT cluster, day_type, alpha, w_r, w_r5, w_u, signature FROM truth_day_type_map')) {
      map.set(`${c}:${t}`, v.map(Number));
    }
    const T = Math.max(...dayType) + 1;
    const mapped = (at: number, type: number): number => {
      const m = map.get(`${cluster[iOf(at)]}:${type}`)!;
      const sd = f.sig20[at]!;
      const xw = m[1]! * tanh(f.r[at]! / sd) + m[2]! * tanh(f.r5[at]! / (sd * Math.sqrt(5))) + m[3]! * tanh(2 * f.u[at]!);
      return (m[0]! + 1.6 * xw) / Math.sqrt(1.49);
    };
    const lab = scaled(f, (at) => mapped(at, labelType[tOf(at)]!));
    // The day-type-specific part of the mapping for the visible (revealed) day
    // type: the mapping minus its average over day types. It carries
    // information only if the label really follows the revealed type.
    const spec = scaled(f, (at) => {
      let s = 0;
      for (let k = 0; k < T; k++) s += mapped(at, k);
      return mapped(at, dayType[tOf(at)]!) - s / T;
    });
    out['dayTypes.labelIc'] = corr(lab.x, lab.y);
    out['dayTypes.revealedIc'] = corr(spec.x, spec.y);
    const sig = new Float64Array(P * D).fill(NaN);
    for (let at = 0; at < P * D; at++) sig[at] = map.get(`${cluster[iOf(at)]}:${dayType[tOf(at)]}`)![4]!;
    const residScaled = Float64Array.from(f.resid, (v, at) => v / sigma[iOf(at)]!);
    out['dayTypes.signature'] = corr(sig, residScaled);
  }

  // ── factors (DRM) ──────────────────────────────────────────────────────
  if (want('factors')) {
    const styleNames = ['size', 'beta', 'momentum', 'resvol', 'nlsize', 'btop', 'liquidity', 'earnyield', 'growth', 'leverage'];
    const load = async (table: string, cols: string[]): Promise<Float64Array[]> => {
      const out2 = cols.map(() => new Float64Array(P * D).fill(NaN));
      for (const [s, day, ...v] of await rows(con, `SELECT stock, strftime(day, '%Y-%m-%d'), ${cols.join(', ')} FROM ${table}`)) {
        const at = d.stockIndex.get(String(s))! * D + d.dayIndex.get(String(day))!;
        v.forEach((x, k) => (out2[k]![at] = x === null ? NaN : Number(x)));
      }
      return out2;
    };
    const style = await load('style_exposures', styleNames);
    const latent = await load('truth_latent_exposure', ['relmom', 'volshock', 'volsq']);
    const nextRaw = new Float64Array(P * D).fill(NaN);
    for (let i = 0; i < P; i++) for (let t = 0; t + 1 < D; t++) nextRaw[i * D + t] = f.r[i * D + t + 1]!;
    out['factors.styleR2'] = meanDailyR2(d, style, nextRaw);
    out['factors.latentR2'] = meanDailyR2(d, latent, nextRaw);
    const truthRet = new Map<string, Float64Array>();
    for (const [day, name, v] of await rows(reference ?? con, "SELECT strftime(day, '%Y-%m-%d'), factor, value FROM truth_factor_return")) {
      const k = String(name);
      if (!truthRet.has(k)) truthRet.set(k, new Float64Array(D).fill(NaN));
      truthRet.get(k)![d.dayIndex.get(String(day))!] = Number(v);
    }
    let s = 0;
    ['relmom', 'volshock', 'volsq'].forEach((name, k) => {
      const slopes = dailySlopes(d, latent[k]!, nextRaw);
      // Slope on day t estimates the factor return of day t + 1.
      const shifted = Float64Array.from({ length: D }, (_, t) => (t + 1 < D ? truthRet.get(name)![t + 1]! : NaN));
      const c = corr(slopes, shifted);
      s += Number.isFinite(c) ? c : 0;
    });
    out['factors.latentCorr'] = s / 3;
  }

  // ── events (REST) ──────────────────────────────────────────────────────
  if (want('events')) {
    const beta = new Map<number, number>();
    for (const [t, b] of await rows(con, 'SELECT type, beta FROM truth_event_type')) beta.set(Number(t), Number(b));
    const rho = new Map<string, number>();
    for (const [r, v] of await rows(con, 'SELECT rel_type, rho FROM truth_relation_type')) rho.set(String(r), Number(v));
    const nbrs: { j: number; w: number }[][] = Array.from({ length: P }, () => []);
    for (const [a, b, r] of await rows(con, 'SELECT src, dst, rel_type FROM relations')) {
      const i = d.stockIndex.get(String(a))!;
      nbrs[i]!.push({ j: d.stockIndex.get(String(b))!, w: rho.get(String(r))! });
    }
    const ownX: number[] = [];
    const ownY: number[] = [];
    const hasEvent = new Set<number>();
    const evs = await rows(con, "SELECT stock, strftime(day, '%Y-%m-%d'), type FROM events");
    for (const [s, day] of evs) hasEvent.add(d.stockIndex.get(String(s))! * D + d.dayIndex.get(String(day))!);
    const spillX: number[] = [];
    const spillY: number[] = [];
    for (const [s, day, type] of evs) {
      const i = d.stockIndex.get(String(s))!;
      const t = d.dayIndex.get(String(day))!;
      const b = beta.get(Number(type))!;
      const y = f.nextResid[i * D + t]!;
      if (Number.isFinite(y)) {
        ownX.push(kappa[i]! * b);
        ownY.push(y / sigma[i]!);
      }
      for (const { j, w } of nbrs[i]!) {
        if (hasEvent.has(j * D + t)) continue;
        const yj = f.nextResid[j * D + t]!;
        if (!Number.isFinite(yj)) continue;
        spillX.push(w * kappa[j]! * b);
        spillY.push(yj / sigma[j]!);
      }
    }
    out['events.own'] = corr(ownX, ownY);
    out['events.spill'] = corr(spillX, spillY);
  }

  // ── news (HAN) ─────────────────────────────────────────────────────────
  if (want('news')) {
    const dirs = new Map<string, number[]>();
    for (const [name, v] of await rows(con, 'SELECT name, vec FROM truth_news_direction')) dirs.set(String(name), (v as number[]).map(Number));
    const sent = dirs.get('sentiment')!;
    const rum = dirs.get('rumour')!;
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, k) => s + x * b[k]!, 0);
    const real = new Map<number, number[]>();
    const fake = new Map<number, number[]>();
    let nRumour = 0;
    let nAll = 0;
    let rumProjR = 0;
    let rumProjN = 0;
    for (const [s, day, vec, isRumour] of await rows(con, "SELECT n.stock, strftime(n.day, '%Y-%m-%d'), n.vec, t.is_rumour FROM news n JOIN truth_news t USING (news_id)")) {
      const at = d.stockIndex.get(String(s))! * D + d.dayIndex.get(String(day))!;
      const v = (vec as number[]).map(Number);
      const target = isRumour ? fake : real;
      if (!target.has(at)) target.set(at, []);
      target.get(at)!.push(dot(v, sent));
      nAll++;
      if (isRumour) {
        nRumour++;
        rumProjR += dot(v, rum);
      } else rumProjN += dot(v, rum);
    }
    out['news.rumourShare'] = nRumour / nAll;
    out['news.rumourSeparation'] = rumProjR / Math.max(1, nRumour) - rumProjN / Math.max(1, nAll - nRumour);
    const ic = (m: Map<number, number[]>, skip?: Map<number, number[]>): number => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const [at, ps] of m) {
        if (skip?.has(at)) continue;
        const y = f.nextResid[at]!;
        if (!Number.isFinite(y)) continue;
        xs.push(ps.reduce((a, b) => a + b, 0) / ps.length);
        ys.push(y / sigma[iOf(at)]!);
      }
      return corr(xs, ys);
    };
    out['news.ic'] = ic(real);
    out['news.rumourIc'] = ic(fake, real);
  }

  // ── funds (MF / TTIO) ──────────────────────────────────────────────────
  if (want('funds')) {
    const fav = new Map<string, Set<number>>();
    for (const [fund, cl] of await rows(con, 'SELECT fund, clusters FROM truth_fund_style')) {
      fav.set(String(fund), new Set((cl as number[]).map(Number)));
    }
    let inFav = 0;
    let base = 0;
    let n = 0;
    const clusterShare = new Float64Array(K);
    for (let i = 0; i < P; i++) clusterShare[cluster[i]!]! += 1 / P;
    for (const [fund, s] of await rows(con, 'SELECT fund, stock FROM fund_holdings')) {
      const set = fav.get(String(fund))!;
      const c = cluster[d.stockIndex.get(String(s))!]!;
      if (set.has(c)) inFav++;
      let b = 0;
      for (const k of set) b += clusterShare[k]!;
      base += b;
      n++;
    }
    out['funds.concentration'] = inFav / base;
    const q = new Map<number, number[]>();
    for (const [s, v] of await rows(con, 'SELECT stock, q FROM truth_stock_vector')) q.set(d.stockIndex.get(String(s))!, (v as number[]).map(Number));
    const st = new Map<number, number[]>();
    for (const [day, v] of await rows(con, "SELECT strftime(day, '%Y-%m-%d'), s FROM truth_mf_state")) st.set(d.dayIndex.get(String(day))!, (v as number[]).map(Number));
    const { x, y } = scaled(f, (at) => q.get(iOf(at))!.reduce((a, v, k) => a + v * st.get(tOf(at))![k]!, 0));
    out['funds.ic'] = corr(x, y);
  }

  // ── indicators (TTIO) ──────────────────────────────────────────────────
  // IC differences between stable and volatile clusters cancel the effects
  // common to both cluster kinds.
  if (want('indicators')) {
    const bias = scaled(f, (at) => tanh(f.bias20[at]! / (2.5 * f.sig20[at]!)));
    const vma = scaled(f, (at) => tanh(3 * f.vma5_20[at]!));
    const isStable = (at: number): boolean => stable[iOf(at)] === 1;
    out['indicators.biasGap'] = corr(bias.x, bias.y, isStable) - corr(bias.x, bias.y, (at) => !isStable(at));
    out['indicators.vmaGap'] = corr(vma.x, vma.y, (at) => !isStable(at)) - corr(vma.x, vma.y, isStable);
    // The same gaps as partial correlations given the TRA regime map of the
    // stock's cluster that day (truth_regime): with only a few clusters of
    // each kind, the regimes' momentum/reversal spells on the 5-day return
    // (which bias20 tracks) differ between stable and volatile clusters by chance.
    const regime = new Int8Array(K * D).fill(-1);
    for (const [day, g, r] of await rows(con, "SELECT strftime(day, '%Y-%m-%d'), grp, regime FROM truth_regime")) {
      regime[Number(g) * D + d.dayIndex.get(String(day))!] = Number(r);
    }
    const regimeMap = scaled(f, (at) => {
      const r = regime[cluster[iOf(at)]! * D + tOf(at)]!;
      const mom = tanh(f.r5[at]! / (f.sig20[at]! * Math.sqrt(5)));
      return r === 0 ? mom : r === 1 ? -mom : tanh(2 * f.u[at]!);
    }).x;
    const pc = (x: Float64Array, y: Float64Array, mask: (at: number) => boolean): number => partialCorr(x, y, [regimeMap], mask);
    out['indicators.biasGapNet'] = pc(bias.x, bias.y, isStable) - pc(bias.x, bias.y, (at) => !isStable(at));
    out['indicators.vmaGapNet'] = pc(vma.x, vma.y, (at) => !isStable(at)) - pc(vma.x, vma.y, isStable);
  }

  // ── second order ───────────────────────────────────────────────────────
  if (want('secondOrder')) {
    const theta = new Map<string, Float64Array>();
    for (const [day, name, v] of await rows(con, "SELECT strftime(day, '%Y-%m-%d'), feature, value FROM truth_theta")) {
      const k = String(name);
      if (!theta.has(k)) theta.set(k, new Float64Array(D).fill(NaN));
      theta.get(k)![d.dayIndex.get(String(day))!] = Number(v);
    }
    // roc5 is the cleanest of the five features to rebuild here: close / close 5 days back − 1.
    const { x, y } = scaled(f, (at) => f.r5[at]!);
    const slopes = dailySlopes(d, x, y);
    out['secondOrder.thetaCorr'] = corr(slopes, theta.get('roc5')!);
  }

  // ── momentum ───────────────────────────────────────────────────────────
  // Cluster-neutral weighted mean return over the last 60 days against the next
  // cluster-neutral return. Other effects move it too (short-term reversal
  // and momentum, indicators), so the test reads it on a market where only
  // this effect is on.
  if (want('momentum')) {
    const neutral = new Float64Array(P * D).fill(NaN);
    for (let t = 0; t < D; t++) {
      const s = new Float64Array(K);
      const n = new Float64Array(K);
      for (let i = 0; i < P; i++) {
        const v = f.resid[i * D + t]! / sigma[i]!;
        if (Number.isFinite(v)) {
          s[cluster[i]!]! += v;
          n[cluster[i]!]!++;
        }
      }
      for (let i = 0; i < P; i++) neutral[i * D + t] = f.resid[i * D + t]! / sigma[i]! - s[cluster[i]!]! / n[cluster[i]!]!;
    }
    // Exponentially weighted (0.97 a day, the drift's persistence) over the last 60 days.
    const past = new Float64Array(P * D).fill(NaN);
    for (let i = 0; i < P; i++) {
      for (let t = 60; t < D; t++) {
        let s = 0;
        let w = 0;
        let n = 0;
        for (let k = 0; k < 60; k++) {
          const v = neutral[i * D + t - k]!;
          if (!Number.isFinite(v)) continue;
          const wk = Math.pow(0.97, k);
          s += wk * v;
          w += wk;
          n++;
        }
        if (n >= 40) past[i * D + t] = s / w;
      }
    }
    const next = Float64Array.from({ length: P * D }, (_, at) => (tOf(at) + 1 < D && Number.isFinite(d.close[at]!) ? neutral[at + 1]! : NaN));
    out['momentum.ic'] = corr(past, next);
    // Ground truth: the planted drift d_it against the stock's cluster-neutral return of the same day.
    const drift = new Float64Array(P * D).fill(NaN);
    for (const [s, day, v] of await rows(con, "SELECT stock, strftime(day, '%Y-%m-%d'), drift FROM truth_momentum_drift")) {
      drift[d.stockIndex.get(String(s))! * D + d.dayIndex.get(String(day))!] = Number(v);
    }
    out['momentum.truthCorr'] = corr(drift, neutral);
  }

  // ── intraday (OPD) ─────────────────────────────────────────────────────
  if (want('intraday')) {
    const r = await con.runAndReadAll('SELECT stock, day, minute, open, close, volume FROM bars_minute ORDER BY stock, day, minute');
    const cols = r.getColumnsJson() as unknown[][];
    const n = cols[0]!.length;
    const xs: number[] = [];
    const ys: number[] = [];
    const volByMinute = new Float64Array(240);
    let prevZ = NaN;
    let num = 0;
    let v2 = 0;
    let start = NaN;
    // Within-day version: interval k's return minus the mean return of the
    // day's other intervals (all but k − 1 and k). The bridge toward the
    // day's close moves every interval of a day alike, so the raw correlation
    // also grows with the size of daily moves, which other effects change;
    // by symmetry the other intervals carry that common part but not the
    // planted drift on z_{k−1}.
    const wx: number[] = [];
    const wy: number[] = [];
    const dayZ: number[] = [];
    const dayR: number[] = [];
    const flushDay = (): void => {
      if (dayR.length === 8) {
        for (let q = 1; q < 8; q++) {
          if (!Number.isFinite(dayZ[q - 1]!)) continue;
          let s = 0;
          for (let j = 0; j < 8; j++) if (j !== q && j !== q - 1) s += dayR[j]!;
          wx.push(dayZ[q - 1]!);
          wy.push(dayR[q]! - s / 6);
        }
      }
      dayZ.length = 0;
      dayR.length = 0;
    };
    for (let k = 0; k < n; k++) {
      const m = Number(cols[2]![k]);
      const o = Number(cols[3]![k]);
      const c = Number(cols[4]![k]);
      const v = Number(cols[5]![k]);
      volByMinute[m]! += v;
      if (m % 30 === 0) {
        start = o;
        num = 0;
        v2 = 0;
        if (m === 0) {
          prevZ = NaN;
          flushDay();
        }
      }
      const sign = c > o ? 1 : c < o ? -1 : 0;
      num += sign * v;
      v2 += sign * sign * v * v;
      if (m % 30 === 29) {
        if (Number.isFinite(prevZ)) {
          xs.push(prevZ);
          ys.push(Math.log(c / start));
        }
        prevZ = v2 > 0 ? num / Math.sqrt(v2) : NaN;
        dayZ.push(prevZ);
        dayR.push(Math.log(c / start));
      }
    }
    flushDay();
    out['intraday.rho'] = corr(xs, ys);
    out['intraday.rhoWithinDay'] = corr(wx, wy);
    let edge = 0;
    let mid = 0;
    for (let m = 0; m < 240; m++) {
      if (m < 30 || m >= 210) edge += volByMinute[m]! / 60;
      if (m >= 75 && m < 165) mid += volByMinute[m]! / 90;
    }
    out['intraday.uShape'] = edge / mid;
  }
  return out;
}
