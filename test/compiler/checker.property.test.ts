// The checker on generated well-typed programs: random models built from
// reductions, softmaxes, elementwise maps, broadcasting products, renames and
// contractions, each with its expected named shape tracked independently of
// the compiler. The inferred IR types must match: every reduction removes
// exactly its axis, a rename renames exactly one axis, a contraction keeps the
// union minus the contracted axis, and the IR verifies.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../compiler/ir/types.js';
import { compileSource, errorsOf } from '../helpers/compile.js';

const POOL = ['N', 'T', 'H', 'K'];
const SIZES: Record<string, number> = { T: 4, H: 3, K: 2 };

interface Gen {
  lines: string[];
  /** axes of each bound value, by name */
  values: Map<string, string[]>;
}

const stepArb = fc.record({ op: fc.nat(6), a: fc.nat(100), b: fc.nat(100) });

function axisDecl(a: string): string {
  return SIZES[a] ? `${a} = ${SIZES[a]}` : a;
}

function build(inputAxes: string[], steps: { op: number; a: number; b: number }[]): { source: string; expected: string[] } {
  const g: Gen = { lines: [], values: new Map([['x', inputAxes]]) };
  let last = 'x';
  steps.forEach((s, i) => {
    const names = [...g.values.keys()];
    const src = names[s.a % names.length]!;
    const axes = g.values.get(src)!;
    const v = `v${i}`;
    let out: string[] | undefined;
    let expr = '';
    switch (s.op) {
      case 0:
      case 1:
        if (axes.length) {
          const ax = axes[s.b % axes.length]!;
          expr = `${s.op === 0 ? 'sum' : 'mean'}(${src}, over: ${ax})`;
          out = axes.filter((a) => a !== ax);
        }
        break;
      case 2:
        if (axes.length) {
          const ax = axes[s.b % axes.length]!;
          expr = `softmax(${src}, over: ${ax})`;
          out = axes;
        }
        break;
      case 3:
        expr = `tanh(${src}) * 2`;
        out = axes;
        break;
      case 4: {
        // a product with a value whose axes are a subset: the result keeps the larger axes
        const other = names.find((n) => g.values.get(n)!.every((a) => axes.includes(a)) && n !== src);
        if (other) {
          expr = `${src} * ${other}`;
          out = axes;
        }
        break;
      }
      case 5: {
        const from = axes.find((a) => a === 'N');
        if (from && !axes.includes('J')) {
          expr = `rename(${src}, N: J)`;
          out = axes.map((a) => (a === 'N' ? 'J' : a));
        }
        break;
      }
      case 6: {
        const other = names.find((n) => n !== src && g.values.get(n)!.some((a) => axes.includes(a)));
        if (other) {
          const oAxes = g.values.get(other)!;
          const shared = axes.filter((a) => oAxes.includes(a));
          const ax = shared[s.b % shared.length]!;
          expr = `dot(${src}, ${other}, over: ${ax})`;
          out = [...axes.filter((a) => a !== ax), ...oAxes.filter((a) => a !== ax && !axes.includes(a))];
        }
        break;
      }
    }
    if (out && expr) {
      g.lines.push(`  let ${v} = ${expr}`);
      g.values.set(v, out);
      last = v;
    }
  });
  const used = [...g.values.keys()].filter((k) => k !== 'x' && k !== last);
  const source = [
    `model P(x: Float[${inputAxes.map(axisDecl).join(', ')}]) {`,
    ...g.lines,
    // every binding is read once, so no unused-binding warnings
    ...(used.length ? [`  let _all = (${used.map((u) => `${u}: ${u}`).join(', ')})`] : []),
    `  return ${last}`,
    '}',
  ].join('\n');
  return { source, expected: g.values.get(last)! };
}

describe('checker on generated programs', () => {
  it('infers exactly the named shapes the operations imply', () => {
    fc.assert(
      fc.property(fc.subarray(POOL, { minLength: 1 }), fc.array(stepArb, { minLength: 1, maxLength: 12 }), (axes, steps) => {
        const { source, expected } = build(axes, steps);
        const c = compileSource(source, { all: false });
        expect(errorsOf(c), source).toEqual([]);
        const f = c.program.functions['P']!;
        const result = f.nodes.find((n) => n.id === f.result)!.type as TensorType;
        expect(result.axes.map((a) => a.name).sort(), source).toEqual([...expected].sort());
        for (const ax of result.axes) if (SIZES[ax.name]) expect(ax.size).toBe(SIZES[ax.name]);
      }),
      { numRuns: 120 },
    );
  });
});
