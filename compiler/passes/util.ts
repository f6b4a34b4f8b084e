// Helpers shared by the passes: use counts, substitution, fresh ids.
//
// Passes never mutate their input: they work on a deep copy (cloneProgram) or
// build new node lists.

import type { Func, Node, Program } from '../ir/types.js';

export interface PassContext {
  /** Fusion rules (the runtime adds its own, e.g. fused RNN outputs). */
  fusions?: FusionRule[];
}

export type Pass = (p: Program, ctx: PassContext) => Program;

export interface FusionRule {
  name: string;
  /** Returns a rewritten function, or the same object when nothing applied. */
  apply: (f: Func) => Func;
}

/** Replace every use of a key id by its mapped id (following chains). */
export function substitute(f: Func, map: Map<number, number>): Func {
  if (map.size === 0) return f;
  const resolve = (id: number): number => {
    let cur = id;
    for (let guard = 0; map.has(cur) && guard < 1_000_000; guard++) cur = map.get(cur)!;
    return cur;
  };
  const nodes = f.nodes.map((n) => {
    const inputs: Node['inputs'] = {};
    for (const [k, v] of Object.entries(n.inputs)) inputs[k] = resolve(v);
    return { ...n, inputs };
  });
  return { ...f, nodes, result: resolve(f.result) };
}

export function useCounts(f: Func): Map<number, number> {
  const uses = new Map<number, number>();
  for (const n of f.nodes) for (const v of Object.values(n.inputs)) uses.set(v, (uses.get(v) ?? 0) + 1);
  uses.set(f.result, (uses.get(f.result) ?? 0) + 1);
  return uses;
}

export function consumers(f: Func, id: number): Node[] {
  return f.nodes.filter((n) => Object.values(n.inputs).includes(id));
}

export function maxId(f: Func): number {
  let m = -1;
  for (const n of f.nodes) m = Math.max(m, n.id);
  return m;
}

export function mapFunctions(p: Program, fn: (f: Func) => Func): Program {
  const functions: Program['functions'] = {};
  for (const [k, f] of Object.entries(p.functions)) functions[k] = fn(f);
  return { ...p, functions };
}
