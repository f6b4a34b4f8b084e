// Draws an IR function as a Graphviz DOT graph (`quiver explain`, report.html):
// one box per node labelled with its op, attributes that matter and its type;
// edges from inputs to users, labelled with the input's name.

import type { AttrValue, Func } from './types.js';
import { typeText } from './types.js';

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function short(v: AttrValue): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}

export function funcToDot(f: Func): string {
  const lines = [`digraph "${esc(f.name)}" {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8, color="#667788"];'];
  for (const n of f.nodes) {
    const attrs = Object.entries(n.attrs)
      .filter(([k]) => k !== 'path' && k !== 'renames')
      .slice(0, 4)
      .map(([k, v]) => `${k}=${short(v)}`)
      .join(', ');
    const head = n.op === 'input' ? `input ${String(n.attrs['name'])}` : n.op === 'const' ? `const ${String(n.attrs['value'])}` : n.op;
    const path = typeof n.attrs['path'] === 'string' && n.attrs['path'] ? `\\n[${esc(n.attrs['path'])}]` : '';
    const label = `%${n.id} ${esc(head)}${attrs && n.op !== 'input' && n.op !== 'const' ? `\\n${esc(attrs)}` : ''}${path}\\n${esc(typeText(n.type))}`;
    const fill = n.op === 'input' ? '#dbeafe' : n.op === 'const' ? '#eeeeee' : n.attrs['path'] !== undefined ? '#fde68a' : n.id === f.result ? '#bbf7d0' : '#f5f7fa';
    lines.push(`  n${n.id} [label="${label}", fillcolor="${fill}"];`);
  }
  for (const n of f.nodes) {
    for (const [k, v] of Object.entries(n.inputs)) lines.push(`  n${v} -> n${n.id} [label="${esc(k)}"];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
