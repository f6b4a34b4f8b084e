// Pass: common-subexpression elimination.
// Two nodes with the same op, attributes and (canonical) inputs compute the
// same value; later ones are replaced by the first. Stochastic nodes (dropout
// with p > 0, gumbel samples) and effectful nodes are never merged. Layer
// nodes merge only when their parameter path matches (it is an attribute), so
// merging never changes which weights are used.
// Guarantees: never adds nodes; result types unchanged; idempotent.

import { isStochastic, lookupOp } from '../ops/registry.js';
import type { Func } from '../ir/types.js';
import type { Pass } from './util.js';
import { mapFunctions, substitute } from './util.js';

function mergeable(op: string, attrs: Func['nodes'][number]['attrs']): boolean {
  if (op === 'input' || op === 'get' || op === 'record' || op === 'const') return true;
  // Calls are left alone: a callee may draw random numbers.
  if (op === 'call') return false;
  const def = lookupOp(op);
  if (!def) return false;
  return !def.effect && !isStochastic(def, attrs);
}

export function cseFunc(f: Func): Func {
  const seen = new Map<string, number>();
  const replace = new Map<number, number>();
  const canon = (id: number) => replace.get(id) ?? id;
  for (const n of f.nodes) {
    if (!mergeable(n.op, n.attrs)) continue;
    const ins = Object.entries(n.inputs).map(([k, v]) => [k, canon(v)]);
    const key = JSON.stringify([n.op, n.attrs, ins, n.type]);
    const prev = seen.get(key);
    if (prev === undefined) seen.set(key, n.id);
    else replace.set(n.id, prev);
  }
  if (replace.size === 0) return f;
  const g = substitute(f, replace);
  return { ...g, nodes: g.nodes.filter((n) => !replace.has(n.id)) };
}

export const cse: Pass = (p) => mapFunctions(p, cseFunc);
