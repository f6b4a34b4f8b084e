// Every operator against the plain reference (reference.ts) on random panels
// with NaNs, suspension runs, late listings and ties: fast-check, 100 runs
// per operator family, 1e-6 relative.

import { describe, it } from 'vitest';
import fc from 'fast-check';
import type { FeatureExpr } from '../../../../compiler/plan/data.js';
import { panelArb, checkAgainstReference, f, k, call } from './helpers.js';

const RUNS = { numRuns: 100 };
const windowArb = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 10, 20, 70);
const x = f('a');
const y = f('b');

describe('rolling moments (Mean Sum Std Var Skew Kurt Count, float windows)', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, fc.constantFrom(0.1, 0.5, 0.9), (tp, n, alpha) => {
        const skewN = n === 0 || n >= 3 ? n : 3;
        const kurtN = n === 0 || n >= 4 ? n : 4;
        const exprs: FeatureExpr[] = [
          call('Mean', x, k(n)),
          call('Sum', x, k(n)),
          call('Std', x, k(n)),
          call('Var', y, k(n)),
          call('Skew', x, k(skewN)),
          call('Kurt', x, k(kurtN)),
          call('Count', x, k(n)),
          call('Mean', x, k(alpha)),
          call('Std', y, k(alpha)),
          call('Count', x, k(alpha)),
        ];
        checkAgainstReference(tp, exprs);
      }),
      RUNS,
    );
  });
});

describe('extremes (Max Min IdxMax IdxMin)', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, (tp, n) => {
        checkAgainstReference(tp, [call('Max', x, k(n)), call('Min', y, k(n)), call('IdxMax', x, k(n)), call('IdxMin', x, k(n))]);
      }),
      RUNS,
    );
  });
});

describe('order statistics (Med Quantile Rank Mad)', () => {
  it('match the reference (sorted-window and Fenwick paths)', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, fc.double({ min: 0, max: 1, noNaN: true }), (tp, n, q) => {
        checkAgainstReference(tp, [
          call('Med', x, k(n)),
          call('Quantile', x, k(n), k(q)),
          call('Quantile', y, k(n), k(0.8)),
          call('Rank', x, k(n)),
          call('Mad', x, k(n)),
        ]);
      }),
      RUNS,
    );
  });

  it('match the reference for long rolling windows (Fenwick with removals)', () => {
    fc.assert(
      fc.property(panelArb({ maxI: 2, minD: 300, maxD: 420 }), fc.constantFrom(257, 300), (tp, n) => {
        checkAgainstReference(tp, [call('Med', x, k(n)), call('Quantile', x, k(n), k(0.3)), call('Rank', x, k(n)), call('Mad', y, k(n))]);
      }),
      { numRuns: 15 },
    );
  });
});

describe('regression (Slope Rsquare Resi)', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, (tp, n) => {
        checkAgainstReference(tp, [call('Slope', x, k(n)), call('Rsquare', x, k(n)), call('Resi', x, k(n))]);
      }),
      RUNS,
    );
  });
});

describe('pairs (Corr Cov)', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, (tp, n) => {
        checkAgainstReference(tp, [call('Corr', x, y, k(n)), call('Cov', x, y, k(n)), call('Corr', x, call('Log', call('Abs', y)), k(n))]);
      }),
      RUNS,
    );
  });
});

describe('weighted (WMA EMA)', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, fc.constantFrom(0, 0.3, 1, 2, 5, 10, 12.5), (tp, n, e) => {
        checkAgainstReference(tp, [call('WMA', x, k(n)), call('EMA', x, k(e)), call('EMA', y, k(n))]);
      }),
      RUNS,
    );
  });
});

describe('shifts (Ref Delta)', () => {
  it('match the reference, including N = 0 and negative N', () => {
    fc.assert(
      fc.property(panelArb(), fc.integer({ min: -4, max: 6 }), (tp, n) => {
        checkAgainstReference(tp, [call('Ref', x, k(n)), call('Delta', y, k(n)), call('Ref', call('Mean', x, k(3)), k(n))]);
      }),
      RUNS,
    );
  });
});

describe('elementwise and conditional', () => {
  const unary = ['Abs', 'Sign', 'Log', 'Neg', 'Not'];
  const binary = ['Add', 'Sub', 'Mul', 'Div', 'Power', 'Greater', 'Less', 'Gt', 'Ge', 'Lt', 'Le', 'Eq', 'Ne', 'And', 'Or'];
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb({ maxD: 40 }), fc.constantFrom(0, 1, -1, 2, 0.5, 1e-12), (tp, c) => {
        const exprs: FeatureExpr[] = [
          ...unary.map((u) => call(u, x)),
          ...binary.map((b) => call(b, x, y)),
          ...binary.map((b) => call(b, x, k(c))),
          ...binary.map((b) => call(b, k(c), y)),
          call('If', call('Gt', x, y), x, y),
          call('If', y, k(c), x),
        ];
        checkAgainstReference(tp, exprs);
      }),
      RUNS,
    );
  });
});

describe('cross-sectional (cs_rank cs_zscore cs_demean cs_mean)', () => {
  it('match the reference, inside and outside a universe', () => {
    fc.assert(
      fc.property(panelArb({ maxI: 6, maxD: 30 }), fc.boolean(), (tp, useUniverse) => {
        const exprs = [
          call('cs_rank', x),
          call('cs_zscore', y),
          call('cs_demean', x),
          call('cs_demean', x, f('g')),
          call('Mean', call('cs_rank', x), k(3)),
          call('cs_mean', x),
          call('cs_mean', y, f('g')),
          call('Sub', x, call('cs_mean', call('Ref', y, k(-1)))),
        ];
        if (useUniverse) checkAgainstReference(tp, exprs);
        else checkAgainstReference({ ...tp, universe: new Uint8Array(tp.universe.length).fill(1) }, exprs);
      }),
      RUNS,
    );
  });
});

describe('strict semantics', () => {
  it('match the reference', () => {
    fc.assert(
      fc.property(panelArb(), windowArb, (tp, n) => {
        checkAgainstReference(
          tp,
          [call('Ref', x, k(0)), call('WMA', x, k(n)), call('IdxMax', x, k(n)), call('IdxMin', y, k(n)), call('Corr', x, y, k(n)), call('Rsquare', x, k(n))],
          { semantics: 'strict' },
        );
      }),
      RUNS,
    );
  });
});

describe('infinite values', () => {
  it('follow the documented rules in every family', () => {
    fc.assert(
      fc.property(panelArb({ inf: true, maxD: 90 }), fc.constantFrom(0, 3, 10), (tp, n) => {
        checkAgainstReference(tp, [
          call('Mean', x, k(n)),
          call('Sum', x, k(n)),
          call('Std', x, k(n)),
          call('Max', x, k(n)),
          call('Med', x, k(n)),
          call('Rank', x, k(n)),
          call('Mad', x, k(n)),
          call('Slope', x, k(n)),
          call('Cov', x, y, k(n)),
          call('WMA', x, k(n)),
          call('IdxMax', x, k(n)),
        ]);
      }),
      RUNS,
    );
  });
});

/**
 * Random expression trees: checks hash-consing and composition, not single
 * kernels. Operators that are discontinuous in their input (ranks,
 * comparisons, correlations, division) only see raw fields, so a last-ulp
 * difference between two correct float64 evaluations cannot flip a result.
 */
const leafArb: fc.Arbitrary<FeatureExpr> = fc.oneof(
  fc.constantFrom(x, y),
  fc.constantFrom(3, 6).map((n) => call('Corr', x, y, k(n))),
  fc.constantFrom(2, 5).map((n) => call('Rank', y, k(n))),
  fc.constant(call('Gt', x, y)),
  fc.constant(call('Div', x, call('Add', call('Abs', y), k(1)))),
);
const exprArb: fc.Arbitrary<FeatureExpr> = fc.letrec<{ e: FeatureExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.tuple(fc.constantFrom('Mean', 'Std', 'Max', 'Slope', 'WMA', 'Sum'), tie('e'), fc.constantFrom(1, 3, 5)).map(([fn, a, n]) => call(fn, a, k(n))),
    fc.tuple(fc.constantFrom('Add', 'Sub', 'Mul', 'Greater'), tie('e'), tie('e')).map(([fn, a, b]) => call(fn, a, b)),
    fc.tuple(tie('e'), fc.integer({ min: 0, max: 3 })).map(([a, n]) => call('Ref', a, k(n))),
    tie('e').map((a) => call('Abs', a)),
  ),
})).e;

describe('compositions', () => {
  it('random expression trees match the reference', () => {
    fc.assert(
      fc.property(panelArb({ maxD: 40 }), fc.array(exprArb, { minLength: 1, maxLength: 4 }), (tp, exprs) => {
        checkAgainstReference(tp, exprs);
      }),
      RUNS,
    );
  });
});
