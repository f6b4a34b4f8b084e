// Generates grammar/cst.d.ts, the CST types, from the parser's grammar.
//
// Run `node --import tsx grammar/gen-cst-dts.ts` after changing a rule in
// parser.ts; test/grammar/cst-dts.test.ts fails while the committed file is
// stale. `cstDts()` is the single source of the file's text.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateCstDts } from 'chevrotain';
import { parser } from './parser.js';

const HEADER = `// CST node types for the Quiver grammar (generated: do not edit).
//
// Produced by grammar/gen-cst-dts.ts from parser.ts with chevrotain's
// generateCstDts; test/grammar/cst-dts.test.ts checks it is up to date.
// The CST never leaves grammar/: to-ast.ts turns it into the AST.

`;

/** The text cst.d.ts must have for the current grammar. */
export function cstDts(): string {
  return HEADER + generateCstDts(parser().getGAstProductions());
}

export const CST_DTS_PATH = fileURLToPath(new URL('./cst.d.ts', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CST_DTS_PATH, cstDts());
  console.log(`wrote ${CST_DTS_PATH}`);
}
