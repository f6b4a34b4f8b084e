// The IR verifier: checks a Program's invariants (see types.ts). Tests and
// debug builds (QUIVER_VERIFY=1) run it on the checker's IR before the first
// pass and after every pass; a failure is a compiler bug, reported as Q9001,
// never blamed on the user.
//
// Checks: unique ids, inputs defined earlier, known ops, every node's type
// equal to its op's shape rule (structural ops have their own rules), calls
// matching their callee's parameters, one parameter spec per path.

import { lookupOp } from '../ops/registry.js';
import { isShapeError } from '../ops/spec.js';
import type { Func, Node, Program, TensorType, Type } from './types.js';
import { typeEquals, typeText } from './types.js';

export const STRUCTURAL_OPS = new Set(['input', 'const', 'call', 'get', 'record']);

function check(f: Func, n: Node, types: Map<number, Type>, p: Program): string | null {
  const inTypes: { [k: string]: Type } = {};
  for (const [k, id] of Object.entries(n.inputs)) {
    const ty = types.get(id);
    if (!ty) return `%${n.id} uses %${id} before it is defined`;
    inTypes[k] = ty;
  }
  const want = (ty: Type): string | null =>
    typeEquals(ty, n.type) ? null : `%${n.id} ${n.op} has type ${typeText(n.type)}, its rule gives ${typeText(ty)}`;
  switch (n.op) {
    case 'input': {
      const param = f.params.find((q) => q.name === n.attrs['name']);
      if (!param) return `%${n.id} reads unknown parameter ${String(n.attrs['name'])}`;
      return want(param.type);
    }
    case 'const':
      if (n.type.kind !== 'tensor' || n.type.axes.length !== 0) return `%${n.id} const must be a scalar`;
      return typeof n.attrs['value'] === 'number' || typeof n.attrs['value'] === 'boolean' ? null : `%${n.id} const without a value`;
    case 'get': {
      const x = inTypes['x'];
      if (!x || x.kind !== 'record') return `%${n.id} get needs a record input`;
      const field = x.fields.find((fl) => fl.name === n.attrs['field']);
      if (!field) return `%${n.id} get of unknown field ${String(n.attrs['field'])}`;
      return want(field.type);
    }
    case 'record':
      return want({ kind: 'record', fields: Object.entries(inTypes).map(([name, type]) => ({ name, type })) });
    case 'call': {
      const callee = p.functions[String(n.attrs['fn'])];
      if (!callee) return `%${n.id} calls unknown function ${String(n.attrs['fn'])}`;
      for (const prm of callee.params) {
        const got = inTypes[prm.name];
        if (!got) return `%${n.id} call of ${callee.name} lacks input ${prm.name}`;
        if (!typeEquals(got, prm.type)) return `%${n.id} passes ${typeText(got)} for ${prm.name}: ${typeText(prm.type)}`;
      }
      const res = callee.nodes.find((m) => m.id === callee.result);
      return res ? want(res.type) : `function ${callee.name} has no result node`;
    }
  }
  const op = lookupOp(n.op);
  if (!op) return `%${n.id} unknown op ${n.op}`;
  for (const ty of Object.values(inTypes)) if (ty.kind !== 'tensor') return `%${n.id} ${n.op} has a record input`;
  const r = op.shape(inTypes as { [k: string]: TensorType }, n.attrs);
  if (isShapeError(r)) return `%${n.id} ${n.op} fails its shape rule: ${r.error} ${JSON.stringify(r.params)}`;
  return want(r);
}

/** Returns every problem found (empty when the program is valid). */
export function verifyProgram(p: Program): string[] {
  const problems: string[] = [];
  for (const e of p.entries) if (!p.functions[e]) problems.push(`entry ${e} is not a function`);
  for (const f of Object.values(p.functions)) {
    const types = new Map<number, Type>();
    for (const n of f.nodes) {
      if (types.has(n.id)) problems.push(`${f.name}: %${n.id} defined twice`);
      const problem = check(f, n, types, p);
      if (problem) problems.push(`${f.name}: ${problem}`);
      types.set(n.id, n.type);
      if (n.type.kind === 'tensor') {
        const names = n.type.axes.map((a) => a.name);
        if (new Set(names).size !== names.length) problems.push(`${f.name}: %${n.id} repeats an axis: ${typeText(n.type)}`);
      }
    }
    if (!types.has(f.result)) problems.push(`${f.name}: result %${f.result} is not defined`);
  }
  return problems;
}
