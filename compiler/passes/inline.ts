// Pass: inline.
// Replaces every `call` node by a copy of the callee's nodes (callees inlined
// first), then drops functions no entry reaches.
// Assumes: no recursion (the checker rejects it); callee parameter types equal
// the call's input types (monomorphised calls).
// Guarantees: no `call` nodes remain; every function's result type is
// unchanged; layer parameter paths inside a callee get the call's `prefix.`
// prepended, so weights stay where the checker put them.

import type { Func, Node, Program } from '../ir/types.js';
import type { Pass } from './util.js';
import { maxId, substitute } from './util.js';

function prefixed(prefix: string, path: string): string {
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}

function inlineFunc(f: Func, done: Map<string, Func>, p: Program, stack: string[]): Func {
  const cached = done.get(f.name);
  if (cached) return cached;
  if (stack.includes(f.name)) throw new Error(`inline: recursion through ${[...stack, f.name].join(' → ')}`);
  let next = maxId(f) + 1;
  const nodes: Node[] = [];
  const forward = new Map<number, number>();
  for (const n of f.nodes) {
    if (n.op !== 'call') {
      nodes.push(n);
      continue;
    }
    const callee0 = p.functions[String(n.attrs['fn'])];
    if (!callee0) throw new Error(`inline: unknown function ${String(n.attrs['fn'])}`);
    const callee = inlineFunc(callee0, done, p, [...stack, f.name]);
    const prefix = String(n.attrs['prefix'] ?? '');
    const local = new Map<number, number>();
    for (const m of callee.nodes) {
      if (m.op === 'input') {
        const arg = n.inputs[String(m.attrs['name'])];
        if (arg === undefined) throw new Error(`inline: call of ${callee.name} lacks ${String(m.attrs['name'])}`);
        local.set(m.id, arg);
        continue;
      }
      const id = next++;
      local.set(m.id, id);
      const inputs: Node['inputs'] = {};
      for (const [k, v] of Object.entries(m.inputs)) inputs[k] = local.get(v)!;
      const attrs = typeof m.attrs['path'] === 'string' ? { ...m.attrs, path: prefixed(prefix, m.attrs['path']) } : m.attrs;
      const copy: Node = { id, op: m.op, inputs, attrs, type: m.type };
      if (m.src) copy.src = m.src;
      nodes.push(copy);
    }
    forward.set(n.id, local.get(callee.result)!);
  }
  const out = substitute({ ...f, nodes }, forward);
  done.set(f.name, out);
  return out;
}

export const inline: Pass = (p) => {
  const done = new Map<string, Func>();
  const functions: Program['functions'] = {};
  for (const e of p.entries) {
    const f = p.functions[e];
    if (f) functions[e] = inlineFunc(f, done, p, []);
  }
  return { ...p, functions };
};
