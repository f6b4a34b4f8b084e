// Pass: fusion.
// Applies fusion rules until none applies. The built-in rule lets a GRU/LSTM
// whose sequence output is only ever read at its last time step produce that
// step directly (`output: "last"`), so the runtime's fused RNN op skips the
// sequence and its gradient. The runtime adds its own rules through
// PassContext.fusions.
// Guarantees: result types unchanged; idempotent (rules apply to a fixpoint).

import type { Func, Node } from '../ir/types.js';
import type { FusionRule, Pass } from './util.js';
import { consumers, mapFunctions, substitute } from './util.js';

export const rnnLastRule: FusionRule = {
  name: 'rnn-last',
  apply: (f) => {
    for (const n of f.nodes) {
      if ((n.op !== 'gru' && n.op !== 'lstm') || (n.attrs['output'] ?? 'seq') !== 'seq') continue;
      if (n.id === f.result) continue;
      const time = String(n.attrs['over'] ?? 'T');
      const users = consumers(f, n.id);
      if (users.length === 0 || !users.every((u) => u.op === 'last' && u.attrs['over'] === time)) continue;
      const first = users[0]!;
      const fused: Node = { ...n, attrs: { ...n.attrs, output: 'last' }, type: first.type };
      const forward = new Map<number, number>(users.map((u) => [u.id, n.id]));
      const nodes = f.nodes.filter((m) => !forward.has(m.id)).map((m) => (m.id === n.id ? fused : m));
      return substitute({ ...f, nodes }, forward);
    }
    return f;
  },
};

export const builtinFusions: FusionRule[] = [rnnLastRule];

export const fuse: Pass = (p, ctx) => {
  const rules = [...builtinFusions, ...(ctx.fusions ?? [])];
  return mapFunctions(p, (f0) => {
    let f: Func = f0;
    for (let round = 0; round < 1000; round++) {
      let changed = false;
      for (const r of rules) {
        const g = r.apply(f);
        if (g !== f) {
          f = g;
          changed = true;
        }
      }
      if (!changed) break;
    }
    return f;
  });
};
