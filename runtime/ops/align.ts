// Axis bookkeeping by name: permutations, alignment for broadcasting, and the
// run-time size check every kernel gets.
//
// The IR's broadcasting rule: an operand's axes are a subset of the result's
// and the result's order is its type's order. `alignPlan(from, to)` turns a
// tensor laid out as `from` into one of rank |to| in `to`'s order, with size-1
// axes where `from` lacks a name, so tfjs's broadcasting does the rest.
//
// Assumes: axis names are unique within a layout (the IR verifier's rule).
// Guarantees: plans are built once, in the kernel builder, from names only;
// applying a plan reads sizes from the tensor (symbolic sizes are resolved at
// run time) and costs at most one transpose and one reshape (reshape is free
// of copies on every backend). An identity plan returns its input unchanged.

import * as tf from '@tensorflow/tfjs';
import type { NodeInfo } from './kernel.js';
import { axisNames, internal, shapeFail } from './common.js';

export type Names = readonly string[];
export type Plan = (t: tf.Tensor) => tf.Tensor;

const identity: Plan = (t) => t;

/** p such that the i-th axis of the result is from[p[i]], for to = from permuted; null when the order is already `to`. */
export function permutation(from: Names, to: Names): number[] | null {
  if (from.length !== to.length) internal(`permutation of [${from.join(', ')}] to [${to.join(', ')}]`);
  const p = to.map((n) => {
    const i = from.indexOf(n);
    if (i < 0) internal(`axis ${n} is not in [${from.join(', ')}]`);
    return i;
  });
  return p.every((v, i) => v === i) ? null : p;
}

/** Reorder a tensor laid out as `from` into `to` (the same names). */
export function permutePlan(from: Names, to: Names): Plan {
  const p = permutation(from, to);
  return p === null ? identity : (t) => tf.transpose(t, p);
}

/**
 * A tensor laid out as `from` (a subset of `to`) becomes rank |to| in to's
 * order, with size-1 axes for the names it lacks.
 */
export function alignPlan(from: Names, to: Names): Plan {
  for (const n of from) if (!to.includes(n)) internal(`axis ${n} of [${from.join(', ')}] is not in [${to.join(', ')}]`);
  const present = to.filter((n) => from.includes(n));
  const perm = permutePlan(from, present);
  if (present.length === to.length) return perm;
  const slot = to.map((n) => present.indexOf(n));
  return (t) => {
    const p = perm(t);
    return tf.reshape(p, slot.map((i) => (i < 0 ? 1 : p.shape[i]!)));
  };
}

/** Sizes of the named axes of a tensor laid out as `layout`. */
export function sizesOf(t: tf.Tensor, layout: Names, want: Names): number[] {
  return want.map((n) => {
    const i = layout.indexOf(n);
    if (i < 0) internal(`axis ${n} is not in [${layout.join(', ')}]`);
    return t.shape[i]!;
  });
}

/** The shape of a result laid out as `to`, given per-name sizes. */
export function shapeFor(to: Names, size: ReadonlyMap<string, number>): number[] {
  return to.map((n) => {
    const s = size.get(n);
    if (s === undefined) internal(`no size for axis ${n}`);
    return s;
  });
}

/**
 * A check of the node's input tensors at run time: each has its type's rank,
 * the sizes its type knows, and the same size as every other input sharing an
 * axis name (except names in `free`, e.g. concat's joined axis). Broadcasting
 * by name needs this: tfjs would silently stretch a size-1 axis.
 */
export function sizeCheck(node: NodeInfo, free: Names = []): (ins: tf.Tensor[]) => void {
  const types = node.inputTypes;
  const layouts = types.map(axisNames);
  const known = types.map((t) => t.axes.map((a) => (typeof a.size === 'number' ? a.size : -1)));
  const shared = new Set<string>();
  const seen = new Set<string>();
  for (const l of layouts) {
    for (const n of l) {
      if (seen.has(n) && !free.includes(n)) shared.add(n);
      seen.add(n);
    }
  }
  const sharedList = [...shared];
  return (ins) => {
    if (ins.length !== types.length) shapeFail(node.op, `expected ${types.length} input tensors, got ${ins.length}`);
    for (let i = 0; i < ins.length; i++) {
      const s = ins[i]!.shape;
      const k = known[i]!;
      if (s.length !== k.length) {
        shapeFail(node.op, `input ${node.inputNames[i]} has rank ${s.length}, its type [${layouts[i]!.join(', ')}] has rank ${k.length}`);
      }
      for (let d = 0; d < k.length; d++) {
        if (k[d]! >= 0 && s[d] !== k[d]) {
          shapeFail(node.op, `axis ${layouts[i]![d]} of input ${node.inputNames[i]} has ${s[d]} entries, its type says ${k[d]}`);
        }
      }
    }
    for (const n of sharedList) {
      let size = -1;
      let first = '';
      for (let i = 0; i < ins.length; i++) {
        const d = layouts[i]!.indexOf(n);
        if (d < 0) continue;
        const s = ins[i]!.shape[d]!;
        if (size < 0) {
          size = s;
          first = node.inputNames[i]!;
        } else if (s !== size) {
          shapeFail(node.op, `axis ${n} has ${size} entries in ${first} but ${s} in ${node.inputNames[i]}`);
        }
      }
    }
  };
}
