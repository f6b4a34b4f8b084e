// Pass: dead-code elimination.
// Removes nodes whose value reaches neither the function's result nor an
// effectful node (memory writes), and functions no entry calls.
// Guarantees: never adds nodes; result types unchanged; idempotent.

import { lookupOp } from '../ops/registry.js';
import type { Func, Program } from '../ir/types.js';
import type { Pass } from './util.js';

function isEffect(op: string): boolean {
  return lookupOp(op)?.effect === true;
}

export function dceFunc(f: Func): Func {
  const byId = new Map(f.nodes.map((n) => [n.id, n]));
  const live = new Set<number>();
  const stack = [f.result, ...f.nodes.filter((n) => isEffect(n.op)).map((n) => n.id)];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const n = byId.get(id);
    if (n) for (const v of Object.values(n.inputs)) stack.push(v);
  }
  // Inputs stay even when unused: they are the function's interface.
  return { ...f, nodes: f.nodes.filter((n) => live.has(n.id) || n.op === 'input') };
}

export const dce: Pass = (p) => {
  const reached = new Set<string>();
  const visit = (name: string) => {
    if (reached.has(name)) return;
    const f = p.functions[name];
    if (!f) return;
    reached.add(name);
    for (const n of dceFunc(f).nodes) if (n.op === 'call') visit(String(n.attrs['fn']));
  };
  for (const e of p.entries) visit(e);
  const functions: Program['functions'] = {};
  for (const name of Object.keys(p.functions)) if (reached.has(name)) functions[name] = dceFunc(p.functions[name]!);
  return { ...p, functions };
};
