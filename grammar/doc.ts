// A small document-layout engine for the printer (the Wadler/Prettier idea).
//
// What it does: `render(doc, width)` lays out a tree of text, line breaks,
// indentation and groups. A group prints on one line when it fits in the
// remaining width, otherwise its `line`s become newlines. `hardline` and
// `breakParent` force every enclosing group to break. `lineSuffix` text (a
// trailing comment) is held back and written at the end of the current line,
// just before the next newline, so it can never swallow code after it.
//
// Guarantees: deterministic; no trailing whitespace on any line; the output
// ends with whatever the doc ends with (the printer adds the final newline).

export type Doc =
  | string
  | Doc[]
  | { t: 'indent'; d: Doc }
  | { t: 'align'; n: number; d: Doc }
  | { t: 'group'; d: Doc; brk: boolean }
  | { t: 'line'; kind: 'soft' | 'line' | 'hard' }
  | { t: 'ifBreak'; b: Doc; f: Doc }
  | { t: 'suffix'; s: string }
  | { t: 'breakParent' };

/** A space when flat, a newline when its group breaks. */
export const line: Doc = { t: 'line', kind: 'line' };
/** Nothing when flat, a newline when its group breaks. */
export const softline: Doc = { t: 'line', kind: 'soft' };
/** Always a newline; breaks every enclosing group. */
export const hardline: Doc = { t: 'line', kind: 'hard' };
/** Breaks every enclosing group without printing anything. */
export const breakParent: Doc = { t: 'breakParent' };

export function group(d: Doc, brk = false): Doc {
  return { t: 'group', d, brk };
}
export function indent(d: Doc): Doc {
  return { t: 'indent', d };
}
export function align(n: number, d: Doc): Doc {
  return { t: 'align', n, d };
}
export function ifBreak(b: Doc, f: Doc = ''): Doc {
  return { t: 'ifBreak', b, f };
}
export function lineSuffix(s: string): Doc {
  return { t: 'suffix', s };
}
export function join(sep: Doc, docs: Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
  return out;
}

/** Marks groups that contain a hard line or breakParent as broken; returns whether `d` does. */
function propagate(d: Doc): boolean {
  if (typeof d === 'string') return false;
  if (Array.isArray(d)) {
    let any = false;
    for (const x of d) if (propagate(x)) any = true;
    return any;
  }
  switch (d.t) {
    case 'indent':
    case 'align':
      return propagate(d.d);
    case 'group': {
      const inner = propagate(d.d);
      if (inner) d.brk = true;
      return d.brk;
    }
    case 'line':
      return d.kind === 'hard';
    case 'ifBreak':
      return propagate(d.b) || propagate(d.f);
    case 'breakParent':
      return true;
    case 'suffix':
      return false;
  }
}

type Mode = 'flat' | 'break';
type Cmd = [number, Mode, Doc];

/** Does `next` (then the rest of the line from `rest`) fit in `width` columns? */
function fits(next: Cmd, rest: Cmd[], width: number): boolean {
  let w = width;
  const stack: Cmd[] = [next];
  let restIdx = rest.length;
  while (w >= 0) {
    const cmd = stack.pop() ?? (restIdx > 0 ? rest[--restIdx] : undefined);
    if (!cmd) return true;
    const [ind, mode, d] = cmd;
    if (typeof d === 'string') {
      w -= d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.t) {
      case 'indent':
      case 'align':
        stack.push([ind, mode, d.d]);
        break;
      case 'group':
        stack.push([ind, d.brk ? 'break' : mode, d.d]);
        break;
      case 'line':
        if (mode === 'break' || d.kind === 'hard') return true;
        if (d.kind === 'line') w -= 1;
        break;
      case 'ifBreak':
        stack.push([ind, mode, mode === 'break' ? d.b : d.f]);
        break;
      case 'suffix':
      case 'breakParent':
        break;
    }
  }
  return false;
}

/** Lay out `doc` within `width` columns. */
export function render(doc: Doc, width: number): string {
  propagate(doc);
  const out: string[] = [];
  let pos = 0;
  let suffixes: string[] = [];
  const cmds: Cmd[] = [[0, 'break', doc]];
  const newline = (ind: number): void => {
    if (suffixes.length) {
      out.push(...suffixes);
      suffixes = [];
    }
    // Drop trailing spaces of the line being closed.
    while (out.length) {
      const last = out[out.length - 1]!;
      const trimmed = last.replace(/[ \t]+$/, '');
      if (trimmed.length) {
        out[out.length - 1] = trimmed;
        break;
      }
      out.pop();
    }
    out.push('\n' + ' '.repeat(ind));
    pos = ind;
  };
  while (cmds.length) {
    const [ind, mode, d] = cmds.pop()!;
    if (typeof d === 'string') {
      out.push(d);
      pos += d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.t) {
      case 'indent':
        cmds.push([ind + 2, mode, d.d]);
        break;
      case 'align':
        cmds.push([ind + d.n, mode, d.d]);
        break;
      case 'group': {
        if (mode === 'flat' && !d.brk) {
          cmds.push([ind, 'flat', d.d]);
          break;
        }
        const flat: Cmd = [ind, 'flat', d.d];
        cmds.push(!d.brk && fits(flat, cmds, width - pos) ? flat : [ind, 'break', d.d]);
        break;
      }
      case 'line':
        if (mode === 'flat' && d.kind !== 'hard') {
          if (d.kind === 'line') {
            out.push(' ');
            pos += 1;
          }
        } else {
          newline(ind);
        }
        break;
      case 'ifBreak':
        cmds.push([ind, mode, mode === 'break' ? d.b : d.f]);
        break;
      case 'suffix':
        suffixes.push(d.s);
        break;
      case 'breakParent':
        break;
    }
  }
  out.push(...suffixes);
  return out.join('');
}
