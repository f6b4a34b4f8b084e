// The planted effects of the synthetic market, measured from its tables
// (measure.ts): each statistic is clearly present with the default effects
// and near zero when every effect is off; the IGMTF day-type shuffle and the
// HIST concept shuffle break exactly the links they should; idiosyncratic
// momentum is measured on a market where only it is on (other effects move
// its statistic too). Small preset, one seed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMarket, isolateEffects, noEffects, type EffectOverrides } from '../../../../runtime/data/synth/index.js';
import { openRead } from './market-reader.js';
import { measureEffects, type Stats } from './measure.js';

const SEED = 11;
let dir: string;
let on: Stats;
let off: Stats;
let shuffled: Stats;
let momentumOnly: Stats;
let momentumOff: Stats;

async function measured(name: string, effects?: EffectOverrides): Promise<Stats> {
  const s = await generateMarket({ path: join(dir, `${name}.duckdb`), preset: 'small', seed: SEED, effects });
  const m = await openRead(s.path);
  try {
    return await measureEffects(m.con);
  } finally {
    m.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-synth-effects-'));
  on = await measured('on');
  off = await measured('off', noEffects('small'));
  shuffled = await measured('shuffled', { dayTypes: { shuffle: true }, concepts: { shuffle: true } });
  momentumOnly = await measured('momentum', isolateEffects('small', ['momentum']));
  momentumOff = off;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Present when on (beyond `min` in the given direction), near zero when off. */
function planted(key: string, min: number, offMax: number): void {
  const sign = Math.sign(min);
  expect(on[key]! * sign, `${key} on = ${on[key]}`).toBeGreaterThan(Math.abs(min));
  expect(Math.abs(off[key]!), `${key} off = ${off[key]}`).toBeLessThan(offMax);
}

describe('planted effects: on vs off', () => {
  it('market (ADD): regimes explain the daily mean return and its volatility', () => {
    planted('market.r2', 0.02, 0.015);
    expect(on['market.volRatio']).toBeGreaterThan(1.4);
    expect(Math.abs(off['market.volRatio']! - 1)).toBeLessThan(0.2);
  });

  it('concepts (HIST): co-movement of members, persistent concept factors visible in member returns', () => {
    planted('concepts.gap', 0.015, 0.01);
    planted('concepts.persistence', 0.12, 0.06);
    planted('concepts.truthCorr', 0.35, 0.06);
  });

  it('hidden clusters (HIST): co-movement and persistence not listed in concepts', () => {
    planted('hidden.gap', 0.1, 0.01);
    planted('hidden.persistence', 0.12, 0.06);
    planted('hidden.truthCorr', 0.2, 0.06);
  });

  it('temporal (GRU > Linear): the return × volume-shock interaction predicts beyond a linear fit', () => {
    planted('temporal.ic', 0.12, 0.03);
    expect(on['temporal.r2Gain']).toBeGreaterThan(0.01);
    expect(off['temporal.r2Gain']).toBeLessThan(0.002);
  });

  it('cross-stock (GATs > GRU): followers follow their own cluster leaders, not another cluster’s', () => {
    planted('crossStock.follower', 0.06, 0.03);
    expect(Math.abs(on['crossStock.placebo']!)).toBeLessThan(0.04);
  });

  it('regimes (TRA): momentum vs reversal and volume-shock mappings by regime; stay probability 0.95', () => {
    planted('regimes.momentumGap', 0.2, 0.05);
    planted('regimes.volume', 0.1, 0.04);
    expect(on['regimes.stay']).toBeGreaterThan(0.93);
    expect(on['regimes.stay']).toBeLessThan(0.97);
  });

  it('day types (IGMTF): the label follows the cluster-specific mapping of the visible day type', () => {
    planted('dayTypes.labelIc', 0.12, 0.03);
    planted('dayTypes.revealedIc', 0.1, 0.03);
    planted('dayTypes.signature', 0.12, 0.03);
  });

  it('factors (DRM): latent factors missing from the style set explain returns, styles too', () => {
    expect(on['factors.latentCorr']).toBeGreaterThan(0.4);
    expect(off['factors.latentCorr']).toBe(0);
    expect(on['factors.latentR2']! - off['factors.latentR2']!).toBeGreaterThan(0.06);
    expect(on['factors.styleR2']! - off['factors.styleR2']!).toBeGreaterThan(0.03);
  });

  it('events (REST): own effect κ·β and spill-over to relation neighbours', () => {
    planted('events.own', 0.2, 0.06);
    planted('events.spill', 0.08, 0.04);
  });

  it('news (HAN): non-rumour sentiment predicts, rumours do not; rumours are marked in vector space', () => {
    planted('news.ic', 0.12, 0.04);
    expect(Math.abs(on['news.rumourIc']!)).toBeLessThan(0.05);
    expect(on['news.rumourShare']).toBeGreaterThan(0.35);
    expect(on['news.rumourShare']).toBeLessThan(0.45);
    expect(on['news.rumourSeparation']).toBeGreaterThan(0.3);
  });

  it('funds (MF, TTIO): holdings favour the funds’ clusters; returns load on q*·s_t', () => {
    expect(on['funds.concentration']).toBeGreaterThan(1.4);
    expect(Math.abs(off['funds.concentration']! - 1)).toBeLessThan(0.15);
    planted('funds.ic', 0.06, 0.03);
  });

  it('indicators (TTIO): bias matters in stable clusters, the volume ratio in volatile ones', () => {
    planted('indicators.biasGap', -0.1, 0.04);
    planted('indicators.vmaGap', 0.08, 0.04);
  });

  it('second order: daily slopes on roc5 track θ*_t', () => {
    planted('secondOrder.thetaCorr', 0.15, 0.1);
  });

  it('momentum: a stock’s own slow drift (measured with only this effect on)', () => {
    expect(momentumOnly['momentum.ic']).toBeGreaterThan(0.03);
    expect(Math.abs(momentumOff['momentum.ic']!)).toBeLessThan(0.02);
  });

  it('intraday (OPD): order-flow imbalance predicts the next 30 minutes; volume is U-shaped', () => {
    planted('intraday.rho', 0.12, 0.07);
    expect(on['intraday.uShape']).toBeGreaterThan(1.5);
    expect(off['intraday.uShape']).toBeGreaterThan(1.5);
  });
});

describe('ablation switches', () => {
  it('dayTypes.shuffle breaks the link between the visible day type and the label, nothing else', () => {
    expect(shuffled['dayTypes.labelIc']).toBeGreaterThan(0.12);
    expect(Math.abs(shuffled['dayTypes.revealedIc']!)).toBeLessThan(0.04);
    expect(shuffled['dayTypes.signature']).toBeGreaterThan(0.12);
    expect(shuffled['temporal.ic']).toBeGreaterThan(0.12);
  });

  it('concepts.shuffle lists a permuted membership while the planted concepts stay', () => {
    expect(Math.abs(shuffled['concepts.gap']!)).toBeLessThan(0.01);
    expect(shuffled['concepts.truthGap']).toBeGreaterThan(0.015);
    expect(on['concepts.gap']).toBeCloseTo(on['concepts.truthGap']!, 10);
  });
});
