// docs/ops.md: the reference of every primitive op, one table per family,
// joining the registry's signature and description (compiler/ops/registry.ts)
// with the kernel's gradient, NaN behaviour and notes (runtime/ops/index.ts).
//
// Assumes: every registry op has a note (the coverage test checks).
// Guarantees: deterministic text; test/runtime/ops/coverage.test.ts compares
// it with docs/ops.md (UPDATE_GOLDEN=1 rewrites the file).

import { allOps } from '../../compiler/ops/registry.js';
import { kernelNotes } from './index.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function opsReference(): string {
  const lines = [
    '# Primitive ops',
    '',
    'Generated from `compiler/ops/registry.ts` (signatures, descriptions) and `runtime/ops/` (gradients, NaN behaviour);',
    '`UPDATE_GOLDEN=1 npx vitest run test/runtime/ops/coverage.test.ts` rewrites it.',
    '',
    'Conventions shared by every kernel:',
    '',
    '- Tensors are laid out in their IR type\'s axis order; operands align by axis name (an operand\'s axes are a',
    '  subset of the result\'s) and broadcast along the axes they lack.',
    '- Masks align by name too; an entry is kept where the mask is true (nonzero and not NaN).',
    '- Sizes are checked at run time: each input has its type\'s rank and known sizes, and an axis shared by several',
    '  inputs has one size (Q6010 otherwise).',
    '- "autodiff" means tfjs\'s gradient of the ops used; "custom" a hand-written gradient (tf.customGrad).',
    '- Randomness (dropout, gumbel_softmax, RNN dropout) draws `ctx.seed()` and builds its noise in seeded JS, so',
    '  results are the same on every backend.',
    '',
  ];
  const families = [...new Set(allOps.map((o) => o.family))];
  for (const fam of families) {
    lines.push(`## ${fam}`, '', '| op | arguments | semantics | gradient | NaN, masks, edge cases |', '|---|---|---|---|---|');
    for (const op of allOps.filter((o) => o.family === fam)) {
      const args = [...op.args, ...(op.inputs ?? [])]
        .map((a) => `${a.name}: ${a.kind}${a.optional ? (a.default !== undefined ? ` = ${JSON.stringify(a.default)}` : '?') : ''}`)
        .join(', ');
      const n = kernelNotes[op.name];
      const sem = n?.note ? `${op.doc}. ${n.note}` : op.doc;
      const kind = op.kind === 'layer' ? ' (layer)' : '';
      lines.push(`| \`${op.name}\`${kind} | ${cell(args)} | ${cell(sem)} | ${cell(n?.grad ?? '')} | ${cell(n?.nan ?? '')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
