// Kernels of the shape family: renaming, joining, picking, slicing, adding
// and removing axes, diagonals and top-k masks (compiler/ops/shape.ts has the
// signatures and the output axis orders these kernels reproduce).
//
// Every axis position, permutation and reshape rule is computed in the
// builder from names; closures read actual sizes (symbolic axes) from the
// tensors. Indices that only become known at run time (take, slice, squeeze,
// unflatten) are checked then and fail with Q6010.
//
// Assumes: the node's types come from the registry's shape rules.
// Guarantees: results are laid out in the node type's axis order and dtype;
// identity-like ops (rename) return a clone, never the input tensor itself;
// diagonals are selected with a boolean eye and `where`, so NaN off the
// diagonal never reaches a diagonal result or its gradient; one_hot and
// topk_mask have no gradient.

import * as tf from '@tensorflow/tfjs';
import { alignPlan, permutePlan, type Plan } from './align.js';
import {
  attrList,
  attrNumber,
  attrString,
  axisNames,
  detached,
  expandTo,
  inputIndex,
  inputType,
  notNaN,
  oneHot,
  prod,
  select,
  shapeFail,
  TF_DTYPE,
  toDtype,
  type OpNotes,
} from './common.js';
import type { KernelBuilder, KernelTable, NodeInfo } from './kernel.js';

/** The variadic inputs '0', '1', ... in order, with their positions among the kernel's tensors. */
function variadicInputs(node: NodeInfo): number[] {
  const out: number[] = [];
  for (let i = 0; inputIndex(node, String(i)) >= 0; i++) out.push(inputIndex(node, String(i)));
  return out;
}

function pick(which: 'first' | 'last' | 'take'): KernelBuilder {
  return (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const axis = xn.indexOf(attrString(node.attrs['over'], ''));
    const ix = inputIndex(node, 'x');
    const index = attrNumber(node.attrs['index'], 0);
    return (ins) => {
      const x = ins[ix]!;
      const n = x.shape[axis]!;
      const i = which === 'first' ? 0 : which === 'last' ? n - 1 : index < 0 ? n + index : index;
      if (i < 0 || i >= n) shapeFail(node.op, `index ${which === 'take' ? index : i} is outside axis ${xn[axis]} of ${n} entries`);
      const begin = x.shape.map((_, d) => (d === axis ? i : 0));
      const size = x.shape.map((s, d) => (d === axis ? 1 : s));
      return tf.reshape(tf.slice(x, begin, size), x.shape.filter((_, d) => d !== axis));
    };
  };
}

/** A boolean [n, n] identity laid out as (row, col). */
function eye(n: number): tf.Tensor {
  const r = tf.range(0, n, 1, 'int32');
  return tf.equal(tf.reshape(r, [n, 1]), tf.reshape(r, [1, n]));
}

interface DiagPlan {
  row: number;
  col: number;
  eye: Plan;
}

function diagPlan(node: NodeInfo): DiagPlan {
  const xn = axisNames(inputType(node, 'x'));
  const row = attrString(node.attrs['row'], '');
  const col = attrString(node.attrs['col'], '');
  if (row === col) shapeFail(node.op, `row and col must be different axes (both are ${row})`);
  return { row: xn.indexOf(row), col: xn.indexOf(col), eye: alignPlan([row, col], xn) };
}

function diagonalMask(p: DiagPlan, x: tf.Tensor): tf.Tensor {
  return p.eye(eye(x.shape[p.row]!));
}

const OUTER: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = { mul: tf.mul, add: tf.add, sub: tf.sub };

export const shapeKernels: KernelTable = {
  rename: (node) => {
    const ix = inputIndex(node, 'x');
    // Sizes the checker fixed at a call boundary (attrs.sizes): check them on the data.
    const out = axisNames(node.type);
    const fixed = Object.entries((node.attrs['sizes'] ?? {}) as Record<string, number>).map(([name, n]) => ({ name, n, d: out.indexOf(name) }));
    return (ins) => {
      const x = ins[ix]!;
      for (const f of fixed) if (x.shape[f.d] !== f.n) shapeFail('rename', `axis ${f.name} has ${x.shape[f.d]} entries, the callee declares ${f.n}`);
      return x.clone();
    };
  },
  concat: (node) => {
    const idx = variadicInputs(node);
    const out = axisNames(node.type);
    const axis = out.indexOf(attrString(node.attrs['over'], ''));
    const plans = idx.map((i) => permutePlan(axisNames(node.inputTypes[i]!), out));
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => tf.concat(idx.map((i, j) => toDtype(plans[j]!(ins[i]!), od)), axis);
  },
  pack: (node) => {
    const idx = variadicInputs(node);
    const first = axisNames(node.inputTypes[idx[0]!]!);
    const plans = idx.map((i) => permutePlan(axisNames(node.inputTypes[i]!), first));
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => tf.stack(idx.map((i, j) => toDtype(plans[j]!(ins[i]!), od)), 0);
  },
  last: pick('last'),
  first: pick('first'),
  take: pick('take'),
  slice: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const axis = xn.indexOf(over);
    const ix = inputIndex(node, 'x');
    const start = attrNumber(node.attrs['start'], 0);
    const endAttr = node.attrs['end'];
    return (ins) => {
      const x = ins[ix]!;
      const n = x.shape[axis]!;
      const s = start < 0 ? n + start : start;
      const e = typeof endAttr === 'number' ? (endAttr < 0 ? n + endAttr : endAttr) : n;
      if (s < 0 || e > n || s >= e) shapeFail('slice', `entries ${s}..${e - 1} are not inside axis ${over} of ${n} entries`);
      return tf.slice(x, x.shape.map((_, d) => (d === axis ? s : 0)), x.shape.map((v, d) => (d === axis ? e - s : v)));
    };
  },
  permute: (node) => permuteKernel(node),
  reverse: (node) => {
    const axis = axisNames(inputType(node, 'x')).indexOf(attrString(node.attrs['over'], ''));
    const ix = inputIndex(node, 'x');
    return (ins) => tf.reverse(ins[ix]!, axis);
  },
  squeeze: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], xn[xn.length - 1]!);
    const axis = xn.indexOf(over);
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = ins[ix]!;
      if (x.shape[axis] !== 1) shapeFail('squeeze', `axis ${over} has ${x.shape[axis]} entries, not 1`);
      return tf.reshape(x, x.shape.filter((_, d) => d !== axis));
    };
  },
  expand: (node) => {
    const last = node.type.axes[node.type.axes.length - 1]!;
    const size = typeof last.size === 'number' ? last.size : attrNumber(node.attrs['size'], -1);
    if (!(size >= 1)) shapeFail('expand', `the size of the new axis ${last.name} must be a known positive integer, got ${String(last.size)}`);
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = ins[ix]!;
      const r = tf.reshape(x, [...x.shape, 1]);
      return size === 1 ? r : expandTo(r, [...x.shape, size]);
    };
  },
  broadcast_like: (node) => {
    const plan = alignPlan(axisNames(inputType(node, 'x')), axisNames(node.type));
    const ix = inputIndex(node, 'x');
    const il = inputIndex(node, 'like');
    return (ins) => {
      const a = plan(ins[ix]!);
      const target = ins[il]!.shape;
      return a.shape.every((s, d) => s === target[d]) ? a.clone() : expandTo(a, target);
    };
  },
  flatten: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const listed = attrList(node.attrs['axes']);
    const firstPos = Math.min(...listed.map((a) => xn.indexOf(a)));
    const before = xn.filter((a, i) => i < firstPos && !listed.includes(a));
    const after = xn.filter((a, i) => i > firstPos && !listed.includes(a));
    const order = [...before, ...listed, ...after];
    const perm = permutePlan(xn, order);
    const ix = inputIndex(node, 'x');
    const nb = before.length;
    const nl = listed.length;
    return (ins) => {
      const p = perm(ins[ix]!);
      const s = p.shape;
      return tf.reshape(p, [...s.slice(0, nb), prod(s.slice(nb, nb + nl)), ...s.slice(nb + nl)]);
    };
  },
  unflatten: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const axis = xn.indexOf(over);
    const sizes = (Array.isArray(node.attrs['sizes']) ? node.attrs['sizes'] : []).map((v) => attrNumber(v, -1));
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = ins[ix]!;
      const n = x.shape[axis]!;
      let [a, b] = sizes as [number, number];
      if (a === -1) a = n / b;
      if (b === -1) b = n / a;
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a * b !== n) {
        shapeFail('unflatten', `axis ${over} has ${n} entries, which do not split into ${sizes[0]} × ${sizes[1]}`);
      }
      return tf.reshape(x, [...x.shape.slice(0, axis), a, b, ...x.shape.slice(axis + 1)]);
    };
  },
  one_hot: (node) => {
    const ix = inputIndex(node, 'x');
    const size = attrNumber(node.attrs['size'], 0);
    return (ins) =>
      detached((x) => {
        let ids: tf.Tensor;
        if (x.dtype === 'float32') {
          const valid = tf.logicalAnd(tf.logicalAnd(tf.equal(x, tf.floor(x)), tf.greaterEqual(x, 0)), tf.less(x, size));
          ids = tf.cast(select(valid, x, -1), 'int32');
        } else ids = tf.cast(x, 'int32');
        return oneHot(ids, size);
      }, ins[ix]!);
  },
  outer: (node) => {
    const ia = inputIndex(node, 'a');
    const ib = inputIndex(node, 'b');
    const rankB = inputType(node, 'b').axes.length;
    const fn = OUTER[attrString(node.attrs['op'], 'mul')]!;
    return (ins) => {
      const a = toDtype(ins[ia]!, 'float32');
      const b = toDtype(ins[ib]!, 'float32');
      return fn(tf.reshape(a, [...a.shape, ...new Array<number>(rankB).fill(1)]), b);
    };
  },
  diag: (node) => {
    const p = diagPlan(node);
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = ins[ix]!;
      return tf.sum(select(diagonalMask(p, x), x, 0), p.col);
    };
  },
  zero_diag: (node) => {
    const p = diagPlan(node);
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = ins[ix]!;
      return select(diagonalMask(p, x), 0, x);
    };
  },
  set_diag: (node) => {
    const p = diagPlan(node);
    const xn = axisNames(inputType(node, 'x'));
    const dPlan = alignPlan(axisNames(inputType(node, 'd')), xn);
    const ix = inputIndex(node, 'x');
    const id = inputIndex(node, 'd');
    return (ins) => {
      const x = ins[ix]!;
      return select(diagonalMask(p, x), toDtype(dPlan(ins[id]!), x.dtype as 'float32'), x);
    };
  },
  topk_mask: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const lastOrder = [...xn.filter((a) => a !== over), over];
    const toLast = permutePlan(xn, lastOrder);
    const back = permutePlan(lastOrder, xn);
    const k = attrNumber(node.attrs['k'], 1);
    const ix = inputIndex(node, 'x');
    return (ins) =>
      detached((x0) => {
        const x = toDtype(toLast(x0), 'float32');
        const n = x.shape[x.shape.length - 1]!;
        const kk = Math.min(k, n);
        if (kk < 1) return back(tf.zerosLike(x));
        const clean = select(tf.isNaN(x), -Infinity, x);
        const { indices } = tf.topk(clean, kk);
        const hits = tf.sum(oneHot(indices, n), x.shape.length - 1);
        return back(tf.mul(hits, tf.cast(notNaN(x), 'float32')));
      }, ins[ix]!);
  },
  zeros_like: (node) => {
    const ix = inputIndex(node, 'x');
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => tf.zeros(ins[ix]!.shape, od);
  },
  ones_like: (node) => {
    const ix = inputIndex(node, 'x');
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => tf.ones(ins[ix]!.shape, od);
  },
};

/** Axes whose sizes may differ between a node's inputs (concat's joined axis). */
export function freeAxes(node: NodeInfo): string[] {
  return node.op === 'concat' ? [attrString(node.attrs['over'], '')] : [];
}

const NONE = 'none';
const MOVES = 'moves values only: NaN stays where it was';

/** permute: a transpose from the input's axis order to the attribute's. */
function permuteKernel(node: NodeInfo): (ins: tf.Tensor[]) => tf.Tensor {
  const plan = permutePlan(axisNames(inputType(node, 'x')), attrList(node.attrs['axes']));
  const ix = inputIndex(node, 'x');
  return (ins) => plan(ins[ix]!);
}

export const shapeNotes: OpNotes = {
  rename: { grad: 'identity', nan: MOVES },
  concat: { grad: 'split back to the inputs', nan: MOVES, note: "inputs are reordered to the first input's axis order" },
  pack: { grad: 'split back to the inputs', nan: MOVES },
  last: { grad: 'to the last entry, 0 elsewhere', nan: MOVES },
  first: { grad: 'to the first entry, 0 elsewhere', nan: MOVES },
  take: { grad: 'to the taken entry, 0 elsewhere', nan: MOVES, note: 'an index outside the axis at run time is Q6010' },
  slice: { grad: 'to the sliced entries, 0 elsewhere', nan: MOVES, note: 'a range outside the axis at run time is Q6010' },
  permute: { grad: 'permuted back (autodiff)', nan: MOVES },
  reverse: { grad: 'reversed', nan: MOVES },
  squeeze: { grad: 'reshaped', nan: MOVES, note: 'an axis that is not of size 1 at run time is Q6010' },
  expand: { grad: 'summed over the new axis', nan: MOVES },
  broadcast_like: { grad: 'summed over the added axes; none to `like`', nan: MOVES },
  flatten: { grad: 'reshaped back', nan: MOVES },
  unflatten: { grad: 'reshaped back', nan: MOVES, note: 'sizes that do not divide the axis at run time are Q6010' },
  one_hot: { grad: NONE, nan: 'NaN, negative, non-integer or out-of-range ids give an all-zero row' },
  outer: { grad: 'autodiff of the broadcast op (sums over the other operand)', nan: 'NaN propagates to its row/column' },
  diag: { grad: 'to the diagonal, 0 elsewhere', nan: 'NaN off the diagonal is ignored' },
  zero_diag: { grad: 'to the off-diagonal entries, 0 on the diagonal', nan: 'NaN on the diagonal becomes 0' },
  set_diag: { grad: 'x: off the diagonal; d: the diagonal', nan: 'NaN on x\'s diagonal is replaced' },
  topk_mask: { grad: NONE, nan: 'NaN entries rank as −inf and are never marked; ties go to the lower index; k larger than the axis marks every entry that is not NaN' },
  zeros_like: { grad: NONE, nan: 'always 0' },
  ones_like: { grad: NONE, nan: 'always 1' },
};
