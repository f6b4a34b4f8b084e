// crossStock's interaction mode (docs/synthetic-market.md, "crossStock"): the
// leaders share a market-wide factor ℓ_t (loading 3·s_i), and a follower's
// next return gets amp·tanh(r̃_i,t)·ℓ_t. Measured from the tables of a small
// market with only this effect on, with ℓ_t estimated by the leaders' mean
// scaled residual return of the day: the product predicts the followers'
// next residual return; the same product with another day's leaders
// (placebo) and the follower's own return alone do not (a model of one
// stock's history cannot use it); the leaders stand out by their volatility
// (how a salience-style attention can find them); at amp 0 the leaders still
// co-move but the followers no longer respond. The default mode is the
// cluster lead–lag of synth-effects.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEffects, generateMarket, isolateEffects } from '../../../../runtime/data/synth/index.js';
import { computeFeatures, corr, scaled } from './effect-stats.js';
import { openRead, readDaily, rows } from './market-reader.js';

interface Measured {
  /** Followers: corr of tanh(r̃_i)·L̂_t with the next residual return / σ̂. */
  ic: number;
  /** Same with L̂_{t−10} (placebo). */
  placebo: number;
  /** Followers: corr of tanh(r̃_i) alone. */
  own: number;
  /** Median σ̂ of leaders over that of followers. */
  volRatio: number;
}

let dir: string;
let on: Measured;
let off: Measured;

function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(name: string, amp: number): Promise<Measured> {
  const s = await generateMarket({
    path: join(dir, `${name}.duckdb`), preset: 'small', seed: 11,
    effects: { ...isolateEffects('small', ['crossStock']), crossStock: { amp, interaction: true } },
  });
  const m = await openRead(s.path);
  try {
    const d = await readDaily(m.con);
    const f = computeFeatures(d);
    const { P, D } = d;
    const leader = new Uint8Array(P);
    for (const [code, l] of await rows(m.con, 'SELECT stock, leader FROM truth_stock')) {
      const i = d.stockIndex.get(String(code));
      if (i !== undefined) leader[i] = l ? 1 : 0;
    }
    const lead = new Float64Array(D).fill(NaN);
    for (let t = 0; t < D; t++) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < P; i++) {
        const v = f.resid[i * D + t]! / f.sig20[i * D + t]!;
        if (leader[i] && Number.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      if (n) lead[t] = sum / n;
    }
    const follower = (at: number): boolean => !leader[Math.floor(at / D)];
    const rt = (at: number): number => Math.tanh(f.r[at]! / f.sig20[at]!);
    const planted = scaled(f, (at) => rt(at) * lead[at % D]!);
    const placebo = scaled(f, (at) => (at % D >= 10 ? rt(at) * lead[(at % D) - 10]! : NaN));
    const own = scaled(f, rt);
    const sig = (want: number): number[] => Array.from(f.sig20).filter((_, at) => leader[Math.floor(at / D)] === want);
    return {
      ic: corr(planted.x, planted.y, follower),
      placebo: corr(placebo.x, placebo.y, follower),
      own: corr(own.x, own.y, follower),
      volRatio: median(sig(1)) / median(sig(0)),
    };
  } finally {
    m.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-synth-interaction-'));
  on = await measure('on', defaultEffects('small').crossStock.amp);
  off = await measure('off', 0);
  console.log(`crossStock interaction: on ${JSON.stringify(on)}; off ${JSON.stringify(off)}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crossStock interaction mode', () => {
  it('a follower’s own return × the leaders’ move of the day predicts its next return; amp 0 removes it', () => {
    expect(on.ic).toBeGreaterThan(0.1);
    expect(Math.abs(off.ic)).toBeLessThan(0.03);
  });

  it('nothing a single follower sees: another day’s leaders, or its own return alone', () => {
    expect(Math.abs(on.placebo)).toBeLessThan(0.03);
    expect(Math.abs(on.own)).toBeLessThan(0.03);
  });

  it('leaders stand out by their volatility, with or without the followers’ response', () => {
    expect(on.volRatio).toBeGreaterThan(1.5);
    expect(off.volRatio).toBeGreaterThan(1.5);
  });

  it('is off by default (the cluster lead–lag mode)', () => {
    expect(defaultEffects('small').crossStock.interaction).toBe(false);
    expect(defaultEffects('csi300').crossStock.interaction).toBe(false);
  });
});
