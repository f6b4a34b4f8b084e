// The IR's text form: one line per SSA value, re-parseable by parse.ts.
//
//   func model(x: f32[N, T=60, F=6]) -> f32[N] {
//     %0 = input {name: "x"} : f32[N, T=60, F=6]
//     %1 = gru(x: %0) {hidden: 64, layers: 2, path: "enc"} : f32[N, T=60, H=64]
//     return %1
//   }
//
// Attribute values print as JSON except that object keys are bare when they
// are identifiers. Source references are not printed (golden files stay stable).

import type { AttrValue, Func, Program } from './types.js';
import { typeText } from './types.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function attrText(v: AttrValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(attrText).join(', ')}]`;
  const keys = Object.keys(v);
  return `{${keys.map((k) => `${IDENT.test(k) ? k : JSON.stringify(k)}: ${attrText(v[k]!)}`).join(', ')}}`;
}

export function printFunc(f: Func): string {
  const ids = new Map<number, Func['nodes'][number]>();
  for (const n of f.nodes) ids.set(n.id, n);
  const params = f.params.map((p) => `${IDENT.test(p.name) ? p.name : JSON.stringify(p.name)}: ${typeText(p.type)}`).join(', ');
  const result = ids.get(f.result);
  const fname = IDENT.test(f.name) ? f.name : JSON.stringify(f.name);
  const lines = [`func ${fname}(${params})${result ? ` -> ${typeText(result.type)}` : ''} {`];
  for (const n of f.nodes) {
    const ins = Object.entries(n.inputs);
    const inText = ins.length ? `(${ins.map(([k, v]) => `${IDENT.test(k) ? k : JSON.stringify(k)}: %${v}`).join(', ')})` : '';
    const attrs = Object.keys(n.attrs).length ? ` ${attrText(n.attrs)}` : '';
    lines.push(`  %${n.id} = ${n.op}${inText}${attrs} : ${typeText(n.type)}`);
  }
  lines.push(`  return %${f.result}`, '}');
  return lines.join('\n');
}

export function printProgram(p: Program): string {
  const order = [...p.entries, ...Object.keys(p.functions).filter((n) => !p.entries.includes(n)).sort()];
  const parts = [`entries ${p.entries.map((e) => (IDENT.test(e) ? e : JSON.stringify(e))).join(', ')}`];
  for (const name of order) {
    const f = p.functions[name];
    if (f) parts.push(printFunc(f));
  }
  return parts.join('\n\n') + '\n';
}
