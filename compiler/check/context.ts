// The checker's state: diagnostics, the IR functions built so far, lexical
// scopes, and the naming of layer parameter paths.
//
// One Ctx per compilation. A Scope belongs to one function being built (its
// FnBuilder) and chains to its parent scope and finally to the module's
// top-level names, the prelude and the builtin ops.

import type { Span } from '../diagnostics/diagnostic.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diag, type CodeKey, type DiagExtra, type ParamsOf } from '../diagnostics/codes.js';
import type { Func } from '../ir/types.js';
import type { ModuleInfo, Resolved } from '../resolve.js';
import type { FnBuilder } from './builder.js';
import type { Value } from './values.js';

export interface Ctx {
  r: Resolved;
  diags: Diagnostic[];
  functions: Map<string, Func>;
  /** instance key → function name */
  instances: Map<string, string>;
  /** model declarations being instantiated (recursion guard) */
  stack: string[];
  /** axis name → its description from `dim` declarations ("stocks") */
  dimDocs: Map<string, string>;
  /** global dim sizes from `dim T = 60` declarations */
  dimSizes: Map<string, number>;
  /** names of functions in creation order (stable output) */
  order: string[];
}

export interface PathState {
  /** the let (or 'out' for the return value) currently being evaluated */
  letName: string;
  /** counts per `${letName}.${op}` so paths are unique */
  counters: Map<string, number>;
  /** spans of the calls that make up a let's whole value: what they build takes the let's name */
  top: Span[];
}

export interface Scope {
  vars: Map<string, Value>;
  parent?: Scope;
  module: ModuleInfo;
  fn: FnBuilder;
  paths: PathState;
  /** true inside a loss body: `write` allowed */
  inLoss: boolean;
  /** memory writes collected (loss bodies) */
  hooks: Hooks;
  /** names read in the current body (for unused-binding warnings) */
  used?: Set<string>;
}

/** Context-specific behaviour (strategy scopes resolve `market.x`, `pred`, `step`). */
export interface Hooks {
  /** Member access on a declaration value (`market.x`, `concepts.live`). */
  member?: (decl: Extract<Value, { k: 'decl' }>, name: string, span: Span, sc: Scope) => Value | undefined;
  /** Names resolved before module declarations (e.g. `step`, `epoch`). */
  name?: (name: string, span: Span, sc: Scope) => Value | undefined;
  /** A declaration used where a tensor is expected (a graph becomes its matrix). */
  coerce?: (v: Extract<Value, { k: 'decl' }>, span: Span, sc: Scope) => Value | undefined;
  /** A `write m <- v` statement in a loss (`memory` is the declaration the target names). */
  write?: (memory: Extract<Value, { k: 'decl' }>, value: Value, span: Span, sc: Scope) => void;
  /** A call of a context builtin (`history(errors, 60)` in a strategy). */
  call?: (name: string, args: { name?: string; value: Value; span: Span }[], span: Span, sc: Scope) => Value | undefined;
}

export function newCtx(r: Resolved): Ctx {
  const ctx: Ctx = {
    r,
    diags: [],
    functions: new Map(),
    instances: new Map(),
    stack: [],
    dimDocs: new Map(),
    dimSizes: new Map(),
    order: [],
  };
  for (const m of r.modules.values()) {
    for (const d of m.ast.decls) {
      if (d.kind !== 'DimDecl') continue;
      for (const dim of d.dims) {
        if (dim.doc && !ctx.dimDocs.has(dim.name.name)) ctx.dimDocs.set(dim.name.name, dim.doc);
        if (dim.size?.kind === 'Number' && dim.size.isInt) ctx.dimSizes.set(dim.name.name, dim.size.value);
      }
    }
  }
  return ctx;
}

/** Axis names in messages carry their description: `N (stocks)`. */
export function axisLabel(ctx: Ctx, name: string): string {
  const doc = ctx.dimDocs.get(name);
  return doc ? `${name} (${doc})` : name;
}

const AXIS_PARAMS = new Set(['a', 'b', 'axis']);
const AXIS_CODES = new Set<CodeKey>(['axisMismatch', 'missingAxis', 'sizeMismatch', 'duplicateAxis', 'axisBoundTwice']);

export function report<K extends CodeKey>(ctx: Ctx, key: K, params: ParamsOf<K>, extra: DiagExtra = {}): Value {
  let p = params;
  if (AXIS_CODES.has(key)) {
    const q: Record<string, unknown> = { ...(params as Record<string, unknown>) };
    for (const k of Object.keys(q)) {
      if (AXIS_PARAMS.has(k) && typeof q[k] === 'string' && /^[A-Za-z_]\w*$/.test(q[k] as string)) q[k] = axisLabel(ctx, q[k] as string);
    }
    p = q as ParamsOf<K>;
  }
  ctx.diags.push(diag(key, p, extra));
  return { k: 'poison' };
}

export function child(sc: Scope, vars?: Map<string, Value>): Scope {
  return { ...sc, vars: vars ?? new Map(), parent: sc };
}

export function lookupVar(sc: Scope, name: string): Value | undefined {
  for (let s: Scope | undefined = sc; s; s = s.parent) {
    const v = s.vars.get(name);
    if (v) return v;
  }
  return undefined;
}

/** A new parameter path for a layer or sub-model built inside the current let. */
export function nextPath(sc: Scope, base: string, at?: Span): string {
  const p = sc.paths;
  if (at && p.top.includes(at)) {
    const key = p.letName;
    if (!p.counters.has(key)) {
      p.counters.set(key, 1);
      return key;
    }
  }
  const key = p.letName ? `${p.letName}.${base}` : base;
  const n = (p.counters.get(key) ?? 0) + 1;
  p.counters.set(key, n);
  return n === 1 ? key : `${key}_${n}`;
}

/** Edit distance for "did you mean" hints. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
