// The op registry: every primitive's name, signature and shape rule, listed
// once. The checker resolves builtin names here; the IR verifier re-runs the
// shape rules; the runtime attaches one kernel per name (runtime/ops/) and a
// test fails when a registry op has no kernel. docs/ops.md is generated from it.

import type { Attrs } from '../ir/types.js';
import { elementwiseOps } from './elementwise.js';
import { linalgOps } from './linalg.js';
import { nnOps } from './nn.js';
import { reduceOps } from './reduce.js';
import { selectOps } from './select.js';
import { shapeOps } from './shape.js';
import { specialOps } from './special.js';
import type { OpDef } from './spec.js';

export const allOps: readonly OpDef[] = [...elementwiseOps, ...reduceOps, ...shapeOps, ...selectOps, ...linalgOps, ...nnOps, ...specialOps];

const byName = new Map<string, OpDef>();
for (const op of allOps) {
  if (byName.has(op.name)) throw new Error(`op ${op.name} registered twice`);
  byName.set(op.name, op);
}

export function lookupOp(name: string): OpDef | undefined {
  return byName.get(name);
}

export function opNames(): string[] {
  return [...byName.keys()];
}

/** Whether a node with these attributes draws random numbers (and so must not be merged by CSE). */
export function isStochastic(op: OpDef, attrs: Attrs): boolean {
  if (!op.stochastic) return false;
  if (typeof attrs['dropout'] === 'number') return attrs['dropout'] > 0;
  if (typeof attrs['p'] === 'number') return attrs['p'] > 0;
  return true;
}

/** Markdown reference of every op, grouped by family (written to docs/ops.md). */
export function opsMarkdown(): string {
  const families = [...new Set(allOps.map((o) => o.family))];
  const lines = ['# Primitive ops', '', 'Generated from `compiler/ops/registry.ts` (`quiver ops --markdown`).', ''];
  for (const fam of families) {
    lines.push(`## ${fam}`, '', '| op | kind | arguments | description |', '|---|---|---|---|');
    for (const op of allOps.filter((o) => o.family === fam)) {
      const args = [...op.args, ...(op.inputs ?? [])]
        .map((a) => `${a.name}: ${a.kind}${a.optional ? (a.default !== undefined ? ` = ${JSON.stringify(a.default)}` : '?') : ''}`)
        .join(', ');
      lines.push(`| \`${op.name}\` | ${op.kind} | ${args} | ${op.doc} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
