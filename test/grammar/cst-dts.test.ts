// grammar/cst.d.ts is generated from the grammar and committed; this fails
// when a rule changed without regenerating it
// (`node --import tsx grammar/gen-cst-dts.ts`).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CST_DTS_PATH, cstDts } from '../../grammar/gen-cst-dts.js';

describe('cst.d.ts', () => {
  it('matches the grammar', () => {
    expect(readFileSync(CST_DTS_PATH, 'utf8')).toBe(cstDts());
  });
});
