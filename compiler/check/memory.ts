// Memories: a `memory` declaration's plan (type, key, lag, update mode), the
// builtins that read one, and what the lag rule needs: whether a write's value
// depends on the label (Q4002 is reported once per memory and compile).

import type { Decl } from '../../grammar/ast.js';
import type { MemoryPlan } from '../plan/plan.js';
import type { ModuleInfo } from '../resolve.js';
import type { FnBuilder } from './builder.js';
import { report, type Ctx } from './context.js';
import { evalExpr } from './expr.js';
import { number, settingsScope } from './settings.js';
import { describe } from './values.js';

type MemoryDecl = Extract<Decl, { kind: 'MemoryDecl' }>;

/**
 * `memory errors: Float[K = 3] { per: sample, lag: 1 }`: a detached store of
 * one value per (stock, day), written by a loss and read back as a window of
 * past values (`history`) or as a bank of every day (`bank`), never nearer
 * than `lag` days (default: the label horizon). A lag below the horizon is
 * allowed only for memories that no write fills from the label (checked at
 * each write: Q4002), e.g. IGMTF's bank of encodings with `lag: 0`.
 * `update: refresh` keeps only the writes of `each_epoch: refresh(...)` passes.
 */
export function compileMemory(ctx: Ctx, m: ModuleInfo, d: MemoryDecl, labelHorizon: number): MemoryPlan | undefined {
  if (d.type.kind !== 'TensorType' || d.type.name.name !== 'Float') {
    report(ctx, 'typeMismatch', { expected: 'a Float tensor type such as Float[K = 3]', found: 'another type' }, { span: d.type.span });
    return undefined;
  }
  const ss = settingsScope(ctx, m);
  const axes: { name: string; size: number }[] = [];
  for (const a of d.type.axes) {
    if (a.kind !== 'AxisName' || !a.size) {
      report(ctx, 'notCompileTime', { what: `the size of memory axis ${a.kind === 'AxisName' ? a.name.name : '...'}` }, { span: a.span, hints: ['give it a size: Float[K = 3]'] });
      return undefined;
    }
    const v = evalExpr(ctx, ss, a.size);
    if (v.k !== 'num' || !v.int || v.v < 1) {
      report(ctx, 'badAttribute', { name: `size of ${a.name.name}`, value: describe(v) }, { span: a.size.span });
      return undefined;
    }
    axes.push({ name: a.name.name, size: v.v });
  }
  const plan: MemoryPlan = { name: d.name.name, type: { kind: 'tensor', dtype: 'f32', axes }, per: 'sample', lag: Math.max(1, labelHorizon), update: 'always' };
  if (d.settings) {
    for (const en of d.settings.entries) {
      const v = evalExpr(ctx, ss, en.value);
      const word = v.k === 'builtin' ? v.name : v.k === 'str' ? v.v : '';
      if (en.key.name === 'per') {
        if (word === 'sample' || word === 'day') plan.per = word;
        else report(ctx, 'badAttribute', { name: 'memory key', value: word || describe(v) }, { span: en.value.span, hints: ['per: sample or per: day'] });
      } else if (en.key.name === 'lag') {
        plan.lag = number(ctx, { value: v, span: en.value.span }, 'lag', plan.lag, { min: 0, int: true });
      } else if (en.key.name === 'update') {
        if (word === 'always' || word === 'refresh') plan.update = word;
        else report(ctx, 'badAttribute', { name: 'memory update', value: word || describe(v) }, { span: en.value.span, hints: ['update: always (every write) or update: refresh (only refresh passes)'] });
      } else report(ctx, 'unknownSetting', { key: en.key.name, block: 'memory', known: 'per, lag, update' }, { span: en.key.span });
    }
  }
  return plan;
}

/** Whether node `id` of a function depends on one of its inputs that `isSource` picks (through any op, calls included). */
export function dependsOnInput(fn: FnBuilder, id: number, isSource: (inputName: string) => boolean): boolean {
  const byId = new Map(fn.nodes.map((n) => [n.id, n]));
  const seen = new Set<number>();
  const stack = [id];
  while (stack.length) {
    const n = byId.get(stack.pop()!);
    if (!n || seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.op === 'input' && isSource(String(n.attrs['name']))) return true;
    stack.push(...Object.values(n.inputs));
  }
  return false;
}


/** Builtins that read a memory inside a strategy's model or loss arguments. */
export const MEMORY_READS = new Set(['history', 'bank', 'bank_visible']);

/** Memories already reported as leaking the label (one Q4002 each per compile). */
const leaks = new WeakMap<Ctx, Set<string>>();
export function leakReported(ctx: Ctx): Set<string> {
  let s = leaks.get(ctx);
  if (!s) leaks.set(ctx, (s = new Set()));
  return s;
}

/**
 * The hooks of one entry function. `model: true` marks the predict entry,
 * which evaluates only the model clause: a target read there is Q4003 (the
 * objectives evaluate the same clause again, so it is reported once, here).
 */
