// Name resolution between declarations and the built-in ops: a strategy is
// never a value in an expression, so one named like a layer (`strategy gru`,
// `strategy lstm`, natural names for a baseline) does not hide that layer from
// the models in its file; any other name still resolves to the declaration.

import { describe, expect, it } from 'vitest';
import { compileSource, errorsOf } from '../helpers/compile.js';
import { market } from '../../verify/claims.js';

// the claim market (a small demo data block `m`), a model calling `call`, a strategy named `strategy`
const program = (strategy: string, call: string) => `${market(['temporal'])}
model M(x: Float[N, T, F]) -> Float[N] {
  return x |> ${call} |> last(over: T) |> dense(1) |> squeeze
}
strategy ${strategy} { data m  model M(x: m.x)  train { optimizer: adam(lr: 1e-3), epochs: 1, batch: days } }
`;

describe('a strategy named like a layer', () => {
  it('leaves the layer callable in the models beside it', () => {
    for (const [name, call] of [['gru', 'gru(32)'], ['lstm', 'lstm(32)']] as const) {
      const c = compileSource(program(name, call));
      expect(errorsOf(c)).toEqual([]);
      expect(c.plans.map((p) => p.strategy)).toEqual([name]);
    }
  });
  it('is still not callable under a name no op has (Q3011)', () => {
    const c = compileSource(program('base', 'base(32)'));
    expect(errorsOf(c).map((e) => e.slice(0, 5))).toEqual(['Q3011']);
  });
});
