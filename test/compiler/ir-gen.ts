// Random well-typed IR programs for property tests (fast-check).
//
// A program is built from a seed of choices: a few inputs over a pool of axis
// names, then a sequence of ops picked from elementwise, reductions, softmax,
// rename, dot, constants and deliberate duplicates (so CSE has work) and dead
// nodes (so DCE has work). Every node's type comes from the registry's shape
// rule, so the program is valid by construction; choices that would not type
// are skipped.

import fc from 'fast-check';
import type { Axis, Func, Node, Program, TensorType } from '../../compiler/ir/types.js';
import { lookupOp } from '../../compiler/ops/registry.js';
import { isShapeError } from '../../compiler/ops/spec.js';

const AXES: Axis[] = [
  { name: 'N', size: 'N' },
  { name: 'T', size: 4 },
  { name: 'H', size: 3 },
  { name: 'K', size: 2 },
];

function subsets(): TensorType[] {
  const out: TensorType[] = [];
  for (let m = 0; m < 16; m++) {
    const axes = AXES.filter((_, i) => m & (1 << i));
    out.push({ kind: 'tensor', dtype: 'f32', axes });
  }
  return out;
}

const TYPES = subsets();

export interface GenChoice {
  op: number;
  a: number;
  b: number;
  c: number;
}

export const choiceArb = fc.record({ op: fc.nat(11), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });

export const programArb = fc
  .record({
    inputs: fc.array(fc.nat(15), { minLength: 1, maxLength: 3 }),
    steps: fc.array(choiceArb, { minLength: 1, maxLength: 25 }),
  })
  .map(({ inputs, steps }) => buildProgram(inputs, steps));

export function buildProgram(inputTypes: number[], steps: GenChoice[]): Program {
  const nodes: Node[] = [];
  const params: Func['params'] = [];
  let next = 0;
  const add = (op: string, inputs: Node['inputs'], attrs: Node['attrs']): boolean => {
    const def = lookupOp(op);
    const types: Record<string, TensorType> = {};
    for (const [k, id] of Object.entries(inputs)) types[k] = nodes.find((n) => n.id === id)!.type as TensorType;
    if (!def) return false;
    const r = def.shape(types, attrs);
    if (isShapeError(r)) return false;
    nodes.push({ id: next++, op, inputs, attrs, type: r });
    return true;
  };
  inputTypes.forEach((ti, i) => {
    const type = TYPES[ti]!;
    params.push({ name: `x${i}`, type });
    nodes.push({ id: next++, op: 'input', inputs: {}, attrs: { name: `x${i}` }, type });
  });
  for (const s of steps) {
    const pick = (k: number) => nodes[k % nodes.length]!;
    const a = pick(s.a);
    const b = pick(s.b);
    const at = a.type as TensorType;
    switch (s.op) {
      case 0:
        add('add', { a: a.id, b: b.id }, {});
        break;
      case 1:
        add('mul', { a: a.id, b: b.id }, {});
        break;
      case 2:
        add('tanh', { x: a.id }, {});
        break;
      case 3:
        if (at.axes.length) add('sum', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 4:
        if (at.axes.length) add('mean', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 5:
        if (at.axes.length) add('softmax', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 6: {
        const shared = at.axes.filter((x) => (b.type as TensorType).axes.some((y) => y.name === x.name));
        if (shared.length) add('dot', { a: a.id, b: b.id }, { over: shared[s.c % shared.length]!.name });
        break;
      }
      case 7:
        nodes.push({ id: next++, op: 'const', inputs: {}, attrs: { value: (s.c % 7) - 1 }, type: { kind: 'tensor', dtype: 'f32', axes: [] } });
        break;
      case 8: {
        // a duplicate of an existing pure node (work for CSE)
        const src = pick(s.c);
        if (src.op !== 'input') nodes.push({ ...src, id: next++ });
        break;
      }
      case 9:
        if (at.axes.some((x) => x.name === 'N')) add('rename', { x: a.id }, { renames: { N: 'J' } });
        break;
      case 10:
        add('exp', { x: a.id }, {});
        break;
      default:
        add('sub', { a: a.id, b: b.id }, {});
    }
  }
  const result = nodes[nodes.length - 1]!.id;
  return { functions: { f: { name: 'f', params, nodes, result } }, entries: ['f'] };
}
