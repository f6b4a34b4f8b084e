// Kernels of the linalg family: dot (an einsum over named axes), cosine,
// norm, and the SPD solve, inverse and trace of the inverse with
// hand-written gradients (compiler/ops/linalg.ts has the signatures).
//
// dot: the operands' axes split into batch (in both, not contracted), free
// (in one only) and contracted axes. Without batch axes both operands are
// permuted and reshaped to 2-D and multiplied by matmul.ts's matMul (plain,
// untransposed, XNNPACK's fast path on wasm, with a wasm-friendly gradient);
// with batch axes a batched tf.matMul, or a multiply-and-sum when one side
// has no free axes (a batched matrix-vector product). norm and cosine use a
// norm whose gradient is x/‖x‖, and 0 at ‖x‖ = 0 (autodiff of sqrt gives NaN
// there).
//
// solve / inv / trace_inv: A's axes other than row and col are batch axes;
// each matrix is Cholesky-factored in float64 JS (cholesky.ts), reading A's
// lower triangle (row ≥ col). Gradients (tf.customGrad via common.ts's customOp), for upstream G:
//   X = A⁻¹B:   ∂B = A⁻ᵀG,  ∂A = −(A⁻ᵀG)Xᵀ
//   Y = A⁻¹:    ∂A = −YᵀGYᵀ
//   t = tr A⁻¹: ∂A = −g(Y²)ᵀ
// These are the gradients of the general-matrix functions; for a symmetric A
// built from other tensors (XᵀWX + λI) they give the same gradients upstream
// as any symmetric convention. A matrix that is not positive definite gives
// NaN values and gradients.
//
// Assumes: the node's types come from the registry's shape rules; SPD
// matrices are small (n ≤ ~64).
// Guarantees: results in the node type's layout, float32.

import * as tf from '@tensorflow/tfjs';
import { alignPlan, permutePlan, type Plan } from './align.js';
import { cholesky, cholInverse, cholSolve, fillNaN } from './cholesky.js';
import { attrList, attrNumber, attrString, axisNames, customOp, inputIndex, select, inputType, prod, shapeFail, toDtype, type OpNotes } from './common.js';
import type { KernelBuilder, KernelTable, NodeInfo } from './kernel.js';
import { matMul } from './matmul.js';

// ── dot ─────────────────────────────────────────────────────────────────────

interface DotPlan {
  nb: number;
  na: number;
  no: number;
  pa: Plan;
  pb: Plan;
  post: Plan;
}

function dotPlan(an: string[], bn: string[], over: string[], out: string[]): DotPlan {
  const batch = an.filter((n) => bn.includes(n) && !over.includes(n));
  const aFree = an.filter((n) => !bn.includes(n) && !over.includes(n));
  const bFree = bn.filter((n) => !an.includes(n) && !over.includes(n));
  return {
    nb: batch.length,
    na: aFree.length,
    no: over.length,
    pa: permutePlan(an, [...batch, ...aFree, ...over]),
    pb: permutePlan(bn, [...batch, ...over, ...bFree]),
    post: permutePlan([...batch, ...aFree, ...bFree], out),
  };
}

function runDot(p: DotPlan, a0: tf.Tensor, b0: tf.Tensor): tf.Tensor {
  const a = p.pa(toDtype(a0, 'float32'));
  const b = p.pb(toDtype(b0, 'float32'));
  const bs = a.shape.slice(0, p.nb);
  const as = a.shape.slice(p.nb, p.nb + p.na);
  const fs = b.shape.slice(p.nb + p.no);
  const P = prod(bs);
  const M = prod(as);
  const K = prod(a.shape.slice(p.nb + p.na));
  const N = prod(fs);
  let c: tf.Tensor;
  if (p.nb === 0) c = matMul(tf.reshape(a, [M, K]), tf.reshape(b, [K, N]));
  else if (N === 1) c = tf.sum(tf.mul(tf.reshape(a, [P, M, K]), tf.reshape(b, [P, 1, K])), 2);
  else if (M === 1) c = tf.sum(tf.mul(tf.reshape(a, [P, K, 1]), tf.reshape(b, [P, K, N])), 1);
  else c = tf.matMul(tf.reshape(a, [P, M, K]), tf.reshape(b, [P, K, N]));
  return p.post(tf.reshape(c, [...bs, ...as, ...fs]));
}

// ── norms ───────────────────────────────────────────────────────────────────

/** ‖x‖ over `axes` (positions, ascending) with gradient x/‖x‖, 0 where ‖x‖ = 0. */
export function safeNorm(x: tf.Tensor, axes: number[]): tf.Tensor {
  const keepShape = x.shape.map((s, d) => (axes.includes(d) ? 1 : s));
  return customOp([x], ([xi], save) => {
    const n = tf.sqrt(tf.sum(tf.square(xi!), axes));
    save([xi!, n]);
    return {
      value: n,
      gradFunc: (dy, saved) => {
        const nk = tf.reshape(saved[1]!, keepShape);
        const unit = select(tf.greater(nk, 0), tf.div(saved[0]!, nk), 0);
        return [tf.mul(unit, tf.reshape(dy, keepShape))];
      },
    };
  });
}

// ── SPD solves ──────────────────────────────────────────────────────────────

function f32(a: Float64Array): Float32Array {
  return Float32Array.from(a);
}

/** X = A⁻¹B for A [P, n, n], B [P, n, m]. */
function solveCore(A: tf.Tensor, B: tf.Tensor): tf.Tensor {
  return customOp([A, B], ([Ai, Bi]) => {
    const [P, n] = Ai!.shape as [number, number, number];
    const m = Bi!.shape[2]!;
    const a = Ai!.dataSync();
    const b = Bi!.dataSync();
    const Ls: (Float64Array | null)[] = [];
    const X = new Float64Array(P * n * m);
    for (let p = 0; p < P; p++) {
      const L = cholesky(a, p * n * n, n);
      Ls.push(L);
      if (L) cholSolve(L, n, b, p * n * m, m, X, p * n * m);
      else fillNaN(X, p * n * m, n * m);
    }
    const aShape = Ai!.shape;
    const bShape = Bi!.shape;
    return {
      value: tf.tensor(f32(X), bShape),
      gradFunc: (dy) => {
        const g = dy.dataSync();
        const dB = new Float64Array(P * n * m);
        const dA = new Float64Array(P * n * n);
        for (let p = 0; p < P; p++) {
          const L = Ls[p];
          const xo = p * n * m;
          const ao = p * n * n;
          if (!L) {
            fillNaN(dB, xo, n * m);
            fillNaN(dA, ao, n * n);
            continue;
          }
          cholSolve(L, n, g, xo, m, dB, xo);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let c = 0; c < m; c++) s += dB[xo + i * m + c]! * X[xo + j * m + c]!;
              dA[ao + i * n + j] = -s;
            }
          }
        }
        return [tf.tensor(f32(dA), aShape), tf.tensor(f32(dB), bShape)];
      },
    };
  });
}

/** Y = A⁻¹ (invert) or t = tr A⁻¹ (trace) for A [P, n, n]. */
function inverseCore(A: tf.Tensor, what: 'invert' | 'trace'): tf.Tensor {
  return customOp([A], ([Ai]) => {
    const [P, n] = Ai!.shape as [number, number, number];
    const a = Ai!.dataSync();
    const Y = new Float64Array(P * n * n);
    const tr = new Float64Array(P);
    for (let p = 0; p < P; p++) {
      const L = cholesky(a, p * n * n, n);
      if (L) cholInverse(L, n, Y, p * n * n);
      else fillNaN(Y, p * n * n, n * n);
      for (let i = 0; i < n; i++) tr[p] = tr[p]! + Y[p * n * n + i * n + i]!;
    }
    const aShape = Ai!.shape;
    return {
      value: what === 'invert' ? tf.tensor(f32(Y), aShape) : tf.tensor(f32(tr), [P]),
      gradFunc: (dy) => {
        const g = dy.dataSync();
        const dA = new Float64Array(P * n * n);
        const T = new Float64Array(n * n);
        for (let p = 0; p < P; p++) {
          const o = p * n * n;
          // T = Yᵀ·G (invert) or g·Yᵀ (trace); then ∂A = −T·Yᵀ
          for (let i = 0; i < n; i++) {
            for (let l = 0; l < n; l++) {
              let s = 0;
              if (what === 'invert') for (let k = 0; k < n; k++) s += Y[o + k * n + i]! * g[o + k * n + l]!;
              else s = g[p]! * Y[o + l * n + i]!;
              T[i * n + l] = s;
            }
          }
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let l = 0; l < n; l++) s += T[i * n + l]! * Y[o + j * n + l]!;
              dA[o + i * n + j] = -s;
            }
          }
        }
        return [tf.tensor(f32(dA), aShape)];
      },
    };
  });
}

interface MatrixPlan {
  batch: string[];
  toMatrix: Plan;
  row: string;
  col: string;
}

function matrixPlan(node: NodeInfo): MatrixPlan {
  const an = axisNames(inputType(node, 'A'));
  const row = attrString(node.attrs['row'], '');
  const col = attrString(node.attrs['col'], '');
  const batch = an.filter((n) => n !== row && n !== col);
  return { batch, row, col, toMatrix: permutePlan(an, [...batch, row, col]) };
}

/** A laid out [batch..., n, n] → [P, n, n], checking that it is square. */
function squareBatch(op: string, mp: MatrixPlan, A: tf.Tensor): { A3: tf.Tensor; bs: number[]; n: number } {
  const a = mp.toMatrix(toDtype(A, 'float32'));
  const r = a.shape.length;
  const n = a.shape[r - 1]!;
  if (a.shape[r - 2] !== n) shapeFail(op, `axes ${mp.row} and ${mp.col} must have equal sizes, got ${a.shape[r - 2]} and ${n}`);
  const bs = a.shape.slice(0, r - 2);
  return { A3: tf.reshape(a, [prod(bs), n, n]), bs, n };
}

const solve: KernelBuilder = (node) => {
  const mp = matrixPlan(node);
  const bn = axisNames(inputType(node, 'B'));
  const extra = bn.filter((n) => !mp.batch.includes(n) && n !== mp.row);
  const toRhs = permutePlan(bn, [...mp.batch, mp.row, ...extra]);
  const post = permutePlan([...mp.batch, mp.col, ...extra], axisNames(node.type));
  const iA = inputIndex(node, 'A');
  const iB = inputIndex(node, 'B');
  return (ins) => {
    const { A3, bs, n } = squareBatch('solve', mp, ins[iA]!);
    const b = toRhs(toDtype(ins[iB]!, 'float32'));
    const es = b.shape.slice(bs.length + 1);
    const X = solveCore(A3, tf.reshape(b, [prod(bs), n, prod(es)]));
    return post(tf.reshape(X, [...bs, n, ...es]));
  };
};

const inv: KernelBuilder = (node) => {
  const mp = matrixPlan(node);
  const post = permutePlan([...mp.batch, mp.row, mp.col], axisNames(node.type));
  const iA = inputIndex(node, 'A');
  return (ins) => {
    const { A3, bs, n } = squareBatch('inv', mp, ins[iA]!);
    return post(tf.reshape(inverseCore(A3, 'invert'), [...bs, n, n]));
  };
};

const traceInv: KernelBuilder = (node) => {
  const mp = matrixPlan(node);
  const post = permutePlan(mp.batch, axisNames(node.type));
  const iA = inputIndex(node, 'A');
  return (ins) => {
    const { A3, bs } = squareBatch('trace_inv', mp, ins[iA]!);
    return post(tf.reshape(inverseCore(A3, 'trace'), bs));
  };
};

export const linalgKernels: KernelTable = {
  dot: (node) => {
    const p = dotPlan(axisNames(inputType(node, 'a')), axisNames(inputType(node, 'b')), attrList(node.attrs['over']), axisNames(node.type));
    const ia = inputIndex(node, 'a');
    const ib = inputIndex(node, 'b');
    return (ins) => runDot(p, ins[ia]!, ins[ib]!);
  },
  cosine: (node) => {
    const an = axisNames(inputType(node, 'a'));
    const bn = axisNames(inputType(node, 'b'));
    const over = attrList(node.attrs['over']);
    const out = axisNames(node.type);
    const p = dotPlan(an, bn, over, out);
    const axA = an.indexOf(over[0]!);
    const axB = bn.indexOf(over[0]!);
    const alA = alignPlan(an.filter((n) => n !== over[0]), out);
    const alB = alignPlan(bn.filter((n) => n !== over[0]), out);
    const eps = attrNumber(node.attrs['eps'], 1e-6);
    const ia = inputIndex(node, 'a');
    const ib = inputIndex(node, 'b');
    return (ins) => {
      const a = toDtype(ins[ia]!, 'float32');
      const b = toDtype(ins[ib]!, 'float32');
      const den = tf.add(tf.mul(alA(safeNorm(a, [axA])), alB(safeNorm(b, [axB]))), eps);
      return tf.div(runDot(p, a, b), den);
    };
  },
  norm: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const axes = attrList(node.attrs['over'])
      .map((o) => xn.indexOf(o))
      .sort((a, b) => a - b);
    const ix = inputIndex(node, 'x');
    return (ins) => safeNorm(toDtype(ins[ix]!, 'float32'), axes);
  },
  solve,
  inv,
  trace_inv: traceInv,
};

export const linalgNotes: OpNotes = {
  dot: { grad: 'autodiff of the matMul (wasm: untransposed matMuls, see matmul.ts)', nan: 'NaN propagates along the contraction' },
  cosine: { grad: 'autodiff; the norms use x/‖x‖ (0 for a zero vector)', nan: 'NaN propagates; a zero vector gives 0' },
  norm: { grad: 'x/‖x‖, 0 for a zero vector (not NaN)', nan: 'NaN propagates' },
  solve: {
    grad: '∂B = A⁻ᵀG, ∂A = −(A⁻ᵀG)Xᵀ (custom, float64)',
    nan: 'a matrix that is not positive definite (or holds NaN) gives NaN for its solution and gradients',
    note: "Cholesky in float64 JS; reads A's lower triangle (row ≥ col); batch axes are A's other axes",
  },
  inv: { grad: '∂A = −YᵀGYᵀ (custom, float64)', nan: 'not positive definite: NaN', note: "Cholesky in float64 JS; reads A's lower triangle" },
  trace_inv: { grad: '∂A = −g(A⁻²)ᵀ (custom, float64)', nan: 'not positive definite: NaN', note: "Cholesky in float64 JS; reads A's lower triangle" },
};
