// The kernel table: one builder per registry op (compiler/ops/registry.ts),
// gathered from the family files, each wrapped with the run-time size check
// of align.ts (ranks, known sizes, and equal sizes for axes that several
// inputs share, which name-based broadcasting relies on; failures are Q6010).
//
// Assumes: the executor builds one kernel per IR node (runtime/exec/) and
// calls it inside its tidy or gradient tape.
// Guarantees: `kernels` has exactly the registry's op names
// (test/runtime/ops/coverage.test.ts); `kernelNotes` documents each kernel's
// gradient and NaN behaviour for docs/ops.md (runtime/ops/docs.ts).

import { sizeCheck } from './align.js';
import type { OpNotes } from './common.js';
import { elementwiseKernels, elementwiseNotes } from './elementwise.js';
import type { KernelBuilder, KernelTable } from './kernel.js';
import { linalgKernels, linalgNotes } from './linalg.js';
import { lossKernels, lossNotes } from './loss.js';
import { nnKernels, nnNotes } from './nn.js';
import { reduceKernels, reduceNotes } from './reduce.js';
import { decodeKernels, decodeNotes } from './rnn-decode.js';
import { selectKernels, selectNotes } from './select.js';
import { freeAxes, shapeKernels, shapeNotes } from './shape.js';
import { specialKernels, specialNotes } from './special.js';

function checked(builder: KernelBuilder): KernelBuilder {
  return (node) => {
    const check = sizeCheck(node, freeAxes(node));
    const run = builder(node);
    return (ins, ctx) => {
      check(ins);
      return run(ins, ctx);
    };
  };
}

const families: KernelTable[] = [elementwiseKernels, reduceKernels, shapeKernels, selectKernels, linalgKernels, nnKernels, decodeKernels, specialKernels, lossKernels];

/** Builders by op name, each with the run-time size check. */
export const kernels: KernelTable = {};
for (const table of families) {
  for (const [name, builder] of Object.entries(table)) {
    if (name in kernels) throw new Error(`kernel ${name} is defined twice`);
    kernels[name] = checked(builder);
  }
}

/** Per-op gradient and NaN notes (docs/ops.md). */
export const kernelNotes: OpNotes = {
  ...elementwiseNotes,
  ...reduceNotes,
  ...shapeNotes,
  ...selectNotes,
  ...linalgNotes,
  ...nnNotes,
  ...decodeNotes,
  ...specialNotes,
  ...lossNotes,
};

export { initParam, seededRng } from './init.js';
