// Each planted effect's own switch: with every effect at its default the
// effect's ground-truth statistic (measure.ts) is clearly present; with only
// that effect's amplitude at 0 — every other effect still on — it is gone.
// (synth-effects.test.ts compares everything on with everything off.)
//
// Markets with the same seed share every random draw whatever the
// amplitudes, so the statistics of the two markets differ only by the
// switched effect. Where a truth table stores a series already scaled by the
// amplitude (DRM's factor returns), the switched-off market is measured
// against the draws of the market with the effect on. Small preset, one seed;
// each test generates one market (~1–2 s) and measures only its effect.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMarket, type EffectName } from '../../../../runtime/data/synth/index.js';
import { openRead, type Market } from './market-reader.js';
import { measureEffects, type Section, type Stats } from './measure.js';

const SEED = 11;
let dir: string;
let onMarket: Market;
let on: Stats;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-synth-switches-'));
  const s = await generateMarket({ path: join(dir, 'on.duckdb'), preset: 'small', seed: SEED });
  onMarket = await openRead(s.path);
  on = await measureEffects(onMarket.con);
});

afterAll(() => {
  onMarket?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Statistics of the market with only `name`'s amplitude at 0. */
async function without(name: EffectName, sections: Section[] = [name as Section]): Promise<Stats> {
  const s = await generateMarket({ path: join(dir, `${name}-off.duckdb`), preset: 'small', seed: SEED, effects: { [name]: 0 } });
  const m = await openRead(s.path);
  try {
    return await measureEffects(m.con, sections, onMarket.con);
  } finally {
    m.close();
    rmSync(s.path, { force: true });
  }
}

/** `key` beyond `min` (its sign gives the direction) with the effect on, within ±`offMax` of 0 with it off. */
function switched(off: Stats, key: string, min: number, offMax: number): void {
  expect(on[key], `${key} on`).toBeDefined();
  expect(off[key], `${key} off`).toBeDefined();
  expect(on[key]! * Math.sign(min), `${key} on = ${on[key]}`).toBeGreaterThan(Math.abs(min));
  expect(Math.abs(off[key]!), `${key} off = ${off[key]}`).toBeLessThan(offMax);
}

describe('each effect off alone (every other effect on)', () => {
  it('market: states no longer explain the daily mean return or its volatility', async () => {
    const off = await without('market');
    switched(off, 'market.r2', 0.02, 0.015);
    expect(on['market.volRatio']).toBeGreaterThan(1.4);
    expect(Math.abs(off['market.volRatio']! - 1)).toBeLessThan(0.2);
  });

  it('temporal: the return × volume-shock interaction stops predicting', async () => {
    const off = await without('temporal');
    switched(off, 'temporal.ic', 0.12, 0.03);
    expect(on['temporal.r2Gain']).toBeGreaterThan(0.01);
    expect(off['temporal.r2Gain']).toBeLessThan(0.002);
  });

  it('crossStock: followers no longer follow their cluster leaders', async () => {
    const off = await without('crossStock');
    switched(off, 'crossStock.follower', 0.06, 0.03);
  });

  it('concepts: no co-movement of listed members, member returns no longer track the truth factors', async () => {
    const off = await without('concepts');
    switched(off, 'concepts.gap', 0.015, 0.01);
    switched(off, 'concepts.truthCorr', 0.35, 0.06);
  });

  it('hidden: cluster returns no longer track the hidden truth factors', async () => {
    // (Co-movement within hidden clusters stays: lead–lag, day-type
    // signatures, fund vectors and regimes are organised by the same clusters.)
    const off = await without('hidden');
    switched(off, 'hidden.truthCorr', 0.2, 0.06);
  });

  it('momentum: returns no longer load on the planted drift', async () => {
    const off = await without('momentum');
    switched(off, 'momentum.truthCorr', 0.05, 0.02);
  });

  it('regimes: no momentum/reversal or volume-shock mapping by regime', async () => {
    const off = await without('regimes');
    switched(off, 'regimes.momentumGap', 0.2, 0.05);
    switched(off, 'regimes.volume', 0.1, 0.04);
  });

  it('dayTypes: neither the mapping nor the signature of the day type is left', async () => {
    const off = await without('dayTypes');
    switched(off, 'dayTypes.labelIc', 0.12, 0.03);
    switched(off, 'dayTypes.revealedIc', 0.1, 0.03);
    switched(off, 'dayTypes.signature', 0.12, 0.03);
  });

  it('factors: daily slopes on the latent exposures stop tracking the latent factor draws', async () => {
    const off = await without('factors');
    switched(off, 'factors.latentCorr', 0.4, 0.06);
    expect(on['factors.latentR2']! - off['factors.latentR2']!).toBeGreaterThan(0.03);
  });

  it('events: neither the own effect κβ nor the spill-over to neighbours is left', async () => {
    const off = await without('events');
    switched(off, 'events.own', 0.2, 0.06);
    switched(off, 'events.spill', 0.08, 0.04);
  });

  it('news: sentiment no longer predicts', async () => {
    const off = await without('news');
    switched(off, 'news.ic', 0.12, 0.04);
  });

  it('funds: returns no longer load on q*·s_t (holdings still tilt: funds.tilt is its own switch)', async () => {
    const off = await without('funds');
    switched(off, 'funds.ic', 0.06, 0.03);
    expect(off['funds.concentration']).toBeGreaterThan(1.4);
  });

  it('indicators: the cluster-specific bias and volume-ratio effects are gone', async () => {
    const off = await without('indicators');
    switched(off, 'indicators.biasGapNet', -0.1, 0.05);
    switched(off, 'indicators.vmaGapNet', 0.08, 0.05);
  });

  it('secondOrder: daily slopes on roc5 stop tracking θ*_t', async () => {
    const off = await without('secondOrder');
    switched(off, 'secondOrder.thetaCorr', 0.15, 0.1);
  });

  it('intraday: order-flow imbalance no longer predicts the next 30 minutes beyond the day’s drift', async () => {
    const off = await without('intraday');
    switched(off, 'intraday.rhoWithinDay', 0.08, 0.05);
    expect(on['intraday.rho']! - off['intraday.rho']!).toBeGreaterThan(0.1);
    expect(off['intraday.uShape']).toBeGreaterThan(1.5);
  });
});
