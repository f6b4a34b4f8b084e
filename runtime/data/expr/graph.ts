// Hash-consing FeatureExpr trees into one DAG of kernel nodes.
//
// Every distinct subexpression of a whole feature set becomes one node, so a
// shared piece (`$close/Ref($close,1)`, `Std($close,20)` used by STD20, the
// Rsquare mask and the Corr mask) is computed once. Lowering happens here:
// Qlib's composite behaviours become explicit nodes (Corr = raw correlation
// masked by the two Stds; float windows = ewm mean), so kernels stay simple.
//
// Assumes: expressions already passed `checkFeatureExpr`. Guarantees: nodes
// are in topological order (inputs before users); `key` is canonical text
// (equal keys ⇔ equal computations under the same semantics mode); the DAG
// is plain JSON (it is posted to worker threads).

import type { FeatureExpr } from '../../../compiler/plan/data.js';
import { OPS } from './ops.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';

export type Semantics = 'qlib' | 'strict';

export interface DagNode {
  id: number;
  /** 'field', 'const', a public operator name, or an internal kernel (`_corr`, `_rsq`, `_maskstd`, `_ewm`, `_ema0`). */
  op: string;
  inputs: number[];
  params: number[];
  /** Field name for 'field' nodes. */
  name?: string;
  /** Canonical text of the computation (includes the semantics where it matters). */
  key: string;
  /** True when the node or one of its inputs is cross-sectional (needs every instrument of a day). */
  cs: boolean;
}

export interface Dag {
  nodes: DagNode[];
}

export interface DagBuilder {
  dag: Dag;
  /** Intern an expression; returns its node id. */
  add(e: FeatureExpr): number;
}

/** Rolling operators that share the generic window rule (float window → ewm mean). */
const GENERIC_ROLLING = new Set(['Mean', 'Sum', 'Std', 'Var', 'Skew', 'Kurt', 'Max', 'Min', 'Med', 'Count']);

const ELEMENTWISE_FOLD: Record<string, (a: number[]) => number> = {
  Add: (a) => a[0]! + a[1]!,
  Sub: (a) => a[0]! - a[1]!,
  Mul: (a) => a[0]! * a[1]!,
  Div: (a) => a[0]! / a[1]!,
  Neg: (a) => -a[0]!,
};

export function dagBuilder(semantics: Semantics = 'qlib'): DagBuilder {
  const nodes: DagNode[] = [];
  const byKey = new Map<string, number>();

  const intern = (op: string, inputs: number[], params: number[], name?: string): number => {
    const inner = inputs.map((i) => nodes[i]!.key);
    let key: string;
    if (op === 'field') key = `$${name}`;
    else if (op === 'const') key = numKey(params[0]!);
    else key = `${op}(${[...inner, ...params.map(numKey)].join(',')})`;
    const hit = byKey.get(key);
    if (hit !== undefined) return hit;
    const id = nodes.length;
    const cs = OPS.get(op)?.family === 'cross-section' || inputs.some((i) => nodes[i]!.cs);
    const node: DagNode = { id, op, inputs, params, key, cs };
    if (name !== undefined) node.name = name;
    nodes.push(node);
    byKey.set(key, id);
    return id;
  };

  const constant = (v: number): number => intern('const', [], [v]);
  const isConst = (id: number): boolean => nodes[id]!.op === 'const';

  const add = (e: FeatureExpr): number => {
    if (e.kind === 'field') return intern('field', [], [], e.name);
    if (e.kind === 'const') return constant(e.value);
    const s = OPS.get(e.fn);
    if (!s) throw new DiagnosticError(diag('internalError', { what: `feature operator ${e.fn} reached the DAG unchecked` }));
    const xs: number[] = [];
    const ps: number[] = [];
    e.args.forEach((a, k) => {
      const kind = s.args[k]!;
      if (kind === 'x' || kind === 'g') xs.push(add(a));
      else ps.push(a.kind === 'const' ? a.value : NaN);
    });
    const fold = ELEMENTWISE_FOLD[e.fn];
    if (fold && xs.every(isConst)) return constant(fold(xs.map((i) => nodes[i]!.params[0]!)));
    const strict = semantics === 'strict';
    switch (e.fn) {
      case 'Ref':
        if (ps[0] === 0 && strict) return xs[0]!;
        return intern('Ref', xs, ps);
      case 'EMA': {
        const n = ps[0]!;
        if (n === 0) return intern('_ema0', xs, []);
        // pandas: span → com = (span-1)/2 → alpha = 1/(1+com).
        const alpha = n < 1 ? n : 1 / (1 + (n - 1) / 2);
        return intern('_ewm', xs, [alpha]);
      }
      case 'Corr': {
        const raw = intern('_corr', xs, ps);
        if (strict) return raw;
        return intern('_maskstd', [raw, intern('Std', [xs[0]!], ps), intern('Std', [xs[1]!], ps)], []);
      }
      case 'Rsquare': {
        const raw = intern('_rsq', xs, ps);
        if (strict || ps[0] === 0) return raw;
        return intern('_maskstd', [raw, intern('Std', xs, ps)], []);
      }
      case 'WMA':
      case 'IdxMax':
      case 'IdxMin':
        return intern(e.fn, xs, strict ? [ps[0]!, 1] : ps);
      default:
        if (GENERIC_ROLLING.has(e.fn) && ps[0]! > 0 && ps[0]! < 1) return intern('_ewm', xs, [ps[0]!]);
        return intern(e.fn, xs, ps);
    }
  };
  return { dag: { nodes }, add };
}

function numKey(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Object.is(v, -0) ? '-0' : String(v);
}
