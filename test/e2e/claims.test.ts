// A planted-structure claim in the suite (the rest run in `npm run verify --
// --claims`): where the demo market plants a nonlinear temporal pattern,
// Qlib's GRU finds it and a linear model of the same Alpha360 inputs cannot;
// with the pattern switched off the GRU's edge is gone.

import { describe, expect, it } from 'vitest';
import { market, trainOn } from '../../verify/claims.js';

describe('planted structure: temporal', () => {
  it('GRU beats Linear on the temporal market, and finds nothing when it is off', async () => {
    const on = market(['temporal']);
    const gru = await trainOn(on, 'gru', 3);
    const linear = await trainOn(on, 'linear', 3);
    const off = await trainOn(market(['temporal'], 'temporal: 0'), 'gru', 3);
    console.log(`temporal: GRU IC ${gru.ic?.toFixed(4)}, Linear IC ${linear.ic?.toFixed(4)}; off: GRU IC ${off.ic?.toFixed(4)}`);
    expect(gru.ic!).toBeGreaterThan(linear.ic! + 0.1);
    expect(Math.abs(off.ic!)).toBeLessThan(0.05);
  });
});
