// Elementwise ops: arithmetic, comparisons, logic, and unary math.
//
// Binary ops align their operands by axis name (spec.ts `broadcast`): one
// operand's axes must be a subset of the other's. Unary ops keep their input's
// type (dtype may change: comparisons give bool).

import type { DType } from '../ir/types.js';
import { broadcast, isShapeError, numericResult, withDType, type OpDef } from './spec.js';

function binary(name: string, doc: string, out: (a: DType, b: DType) => DType): OpDef {
  return {
    name,
    family: 'elementwise',
    doc,
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
    ],
    shape: ({ a, b }) => {
      const r = broadcast(a!, b!, out(a!.dtype, b!.dtype), 'a', 'b');
      return r;
    },
  };
}

function unary(name: string, doc: string, extra: OpDef['args'] = [], dtype?: (x: DType) => DType): OpDef {
  return {
    name,
    family: 'elementwise',
    doc,
    kind: 'function',
    args: [{ name: 'x', kind: 'tensor' }, ...extra],
    shape: ({ x }) => (dtype ? withDType(x!, dtype(x!.dtype)) : x!),
  };
}

const arith = (a: DType, b: DType): DType => {
  const r = numericResult(a, b);
  return r === 'bool' ? 'f32' : r;
};
const real = (): DType => 'f32';
const boolean = (): DType => 'bool';

export const elementwiseOps: OpDef[] = [
  binary('add', 'a + b', arith),
  binary('sub', 'a - b', arith),
  binary('mul', 'a * b', arith),
  binary('div', 'a / b (always real)', real),
  binary('pow', 'a ^ b (always real)', real),
  binary('mod', 'a % b', arith),
  binary('maximum', 'elementwise max of a and b (NaN propagates)', arith),
  binary('minimum', 'elementwise min of a and b (NaN propagates)', arith),
  binary('eq', 'a == b', boolean),
  binary('ne', 'a != b', boolean),
  binary('lt', 'a < b', boolean),
  binary('le', 'a <= b', boolean),
  binary('gt', 'a > b', boolean),
  binary('ge', 'a >= b', boolean),
  binary('and', 'logical and (operands cast to bool)', boolean),
  binary('or', 'logical or (operands cast to bool)', boolean),
  {
    name: 'where',
    family: 'elementwise',
    doc: 'where(cond, a, b): a where cond holds, else b; all three aligned by axis name',
    kind: 'function',
    args: [
      { name: 'cond', kind: 'tensor' },
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
    ],
    shape: ({ cond, a, b }) => {
      const ab = broadcast(a!, b!, arith(a!.dtype, b!.dtype), 'a', 'b');
      if (isShapeError(ab)) return ab;
      return broadcast(ab, cond!, ab.dtype, 'a', 'cond');
    },
  },
  unary('neg', '-x'),
  unary('not', 'logical not', [], boolean),
  unary('abs', '|x|'),
  unary('sign', 'sign of x: -1, 0 or 1', [], real),
  unary('exp', 'e^x', [], real),
  unary('log', 'natural log (x ≤ 0 gives -inf/NaN)', [], real),
  unary('log1p', 'log(1 + x)', [], real),
  unary('sqrt', 'square root', [], real),
  unary('square', 'x²'),
  unary('reciprocal', '1 / x', [], real),
  unary('floor', 'round down'),
  unary('ceil', 'round up'),
  unary('round', 'round half to even'),
  unary('sigmoid', 'logistic function', [], real),
  unary('tanh', 'hyperbolic tangent', [], real),
  unary('relu', 'max(x, 0)'),
  unary('elu', 'exponential linear unit (alpha 1)', [], real),
  unary('gelu', 'Gaussian error linear unit (tanh approximation)', [], real),
  unary('softplus', 'log(1 + e^x)', [], real),
  unary('leaky_relu', 'x for x > 0, slope·x otherwise', [{ name: 'slope', kind: 'float', optional: true, default: 0.01 }], real),
  unary('clip', 'clamp into [lo, hi]', [
    { name: 'lo', kind: 'float' },
    { name: 'hi', kind: 'float' },
  ]),
  unary('isnan', 'true where x is NaN', [], boolean),
  unary('fillna', 'replace NaN by value', [{ name: 'value', kind: 'float', optional: true, default: 0 }], real),
  {
    name: 'cast',
    family: 'elementwise',
    doc: 'convert the element type',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'dtype', kind: 'string', choices: ['f32', 'i32', 'bool'] },
    ],
    shape: ({ x }, attrs) => withDType(x!, attrs['dtype'] as DType),
  },
];
