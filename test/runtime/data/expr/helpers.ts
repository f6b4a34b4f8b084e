// Test helpers for the feature engine: random panels with NaNs, suspension
// runs, late listings and tied values (fast-check), and one `check` that
// evaluates expressions with the engine and with the reference and compares
// them within 1e-6 relative.

import fc from 'fast-check';
import { expect } from 'vitest';
import type { FeatureExpr } from '../../../../compiler/plan/data.js';
import type { Panel } from '../../../../runtime/data/panel.js';
import { evaluateExprsSync, type EvalOptions } from '../../../../runtime/data/expr/evaluate.js';
import { formatExpr } from '../../../../runtime/data/expr/ops.js';
import { referenceEval } from './reference.js';

export interface TestPanel {
  panel: Panel;
  starts: Int32Array;
  universe: Uint8Array;
}

const valueArb = fc.oneof(
  // Continuous values on a 1e-6 grid: varied, but no denormal magnitudes whose
  // squares underflow (those break any float64 formula, the reference's too).
  { weight: 3, arbitrary: fc.integer({ min: -100_000_000, max: 100_000_000 }).map((v) => v / 1e6) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 3) },
  { weight: 1, arbitrary: fc.constant(NaN) },
);

/**
 * Random panel: fields a, b (values), g (a group code 0..2 or NaN), nI × nD,
 * each instrument listed from a random day, with whole-day suspension runs.
 */
export function panelArb(opts: { maxI?: number; minD?: number; maxD?: number; inf?: boolean } = {}): fc.Arbitrary<TestPanel> {
  const maxI = opts.maxI ?? 3;
  const v = opts.inf
    ? fc.oneof({ weight: 12, arbitrary: valueArb }, { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity) })
    : valueArb;
  return fc
    .record({ nI: fc.integer({ min: 1, max: maxI }), nD: fc.integer({ min: opts.minD ?? 1, max: opts.maxD ?? 150 }) })
    .chain(({ nI, nD }) =>
      fc.record({
        a: fc.array(v, { minLength: nI * nD, maxLength: nI * nD }),
        b: fc.array(v, { minLength: nI * nD, maxLength: nI * nD }),
        g: fc.array(fc.constantFrom(0, 1, 2, NaN), { minLength: nI * nD, maxLength: nI * nD }),
        member: fc.array(fc.boolean(), { minLength: nI * nD, maxLength: nI * nD }),
        listed: fc.array(fc.integer({ min: 0, max: Math.max(0, nD - 1) }), { minLength: nI, maxLength: nI }),
        lateShare: fc.array(fc.boolean(), { minLength: nI, maxLength: nI }),
        runs: fc.array(fc.record({ i: fc.nat(nI - 1), t: fc.nat(nD - 1), len: fc.integer({ min: 1, max: 8 }) }), { maxLength: 4 }),
      }).map((r) => {
        const a = Float64Array.from(r.a);
        const b = Float64Array.from(r.b);
        const g = Float64Array.from(r.g);
        const starts = new Int32Array(nI);
        for (let i = 0; i < nI; i++) {
          const s = r.lateShare[i] ? r.listed[i]! : 0;
          starts[i] = s;
          for (let t = 0; t < s; t++) a[i * nD + t] = b[i * nD + t] = g[i * nD + t] = NaN;
        }
        for (const run of r.runs) {
          for (let t = run.t; t < Math.min(nD, run.t + run.len); t++) a[run.i * nD + t] = b[run.i * nD + t] = NaN;
        }
        const panel: Panel = {
          days: Array.from({ length: nD }, (_, t) => `D${String(t).padStart(5, '0')}`),
          instruments: Array.from({ length: nI }, (_, i) => `S${i}`),
          fields: { a, b, g },
        };
        return { panel, starts, universe: Uint8Array.from(r.member, (m) => (m ? 1 : 0)) };
      }),
    );
}

export function close(a: number, b: number, rel = 1e-6): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
}

/** Evaluate with the engine (float64) and the reference; fail with the first mismatch. */
export function checkAgainstReference(tp: TestPanel, exprs: FeatureExpr[], opts: EvalOptions = {}): void {
  const { panel, starts, universe } = tp;
  const nD = panel.days.length;
  const r = evaluateExprsSync(
    panel,
    exprs.map((e, k) => ({ name: `c${k}`, expr: e })),
    { ...opts, precision: 'f64', starts, universe },
  );
  exprs.forEach((e, k) => {
    const ref = referenceEval(e, {
      nI: panel.instruments.length,
      nD,
      fields: panel.fields,
      starts,
      universe,
      strict: opts.semantics === 'strict',
    });
    const got = r.columns[k]!;
    for (let i = 0; i < panel.instruments.length; i++) {
      for (let t = 0; t < nD; t++) {
        const want = ref[i]![t]!;
        const have = got[i * nD + t]!;
        if (!close(have, want)) {
          const series = (f: string): string => Array.from(panel.fields[f]!.subarray(i * nD, i * nD + t + 1)).map((v) => +v.toFixed(4)).join(',');
          expect.fail(`${formatExpr(e)} at instrument ${i} day ${t} (start ${starts[i]}): engine ${have}, reference ${want}\n a=[${series('a')}]\n b=[${series('b')}]`);
        }
      }
    }
  });
}

export const f = (name: string): FeatureExpr => ({ kind: 'field', name });
export const k = (value: number): FeatureExpr => ({ kind: 'const', value });
export const call = (fn: string, ...args: FeatureExpr[]): FeatureExpr => ({ kind: 'call', fn, args });
