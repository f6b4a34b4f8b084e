// Parses the IR text form (print.ts) back into a Program. Used by golden tests
// and by `quiver explain --ir file.ir`; print(parse(text)) === text for any
// printed program.
//
// Errors throw IrParseError with the line number: IR text is produced by the
// compiler, so a parse failure is a bug or a hand edit, not user input.

import type { Attrs, AttrValue, Axis, Func, Node, Program, Type } from './types.js';

export class IrParseError extends Error {
  constructor(message: string, line: number) {
    super(`IR line ${line}: ${message}`);
    this.name = 'IrParseError';
  }
}

class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly line: number,
  ) {}
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  peek(): string {
    this.ws();
    return this.text[this.pos] ?? '';
  }
  eat(s: string): boolean {
    this.ws();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }
  expect(s: string): void {
    if (!this.eat(s)) this.fail(`expected '${s}'`);
  }
  fail(msg: string): never {
    throw new IrParseError(`${msg} at column ${this.pos + 1}: ${this.text}`, this.line);
  }
  match(re: RegExp): string | null {
    this.ws();
    const m = re.exec(this.text.slice(this.pos));
    if (!m || m.index !== 0) return null;
    this.pos += m[0].length;
    return m[0];
  }
  name(): string {
    if (this.peek() === '"') return this.jsonString();
    const n = this.match(/^[A-Za-z_][A-Za-z0-9_]*/);
    if (n === null) this.fail('expected a name');
    return n;
  }
  jsonString(): string {
    const s = this.match(/^"(?:[^"\\]|\\.)*"/);
    if (s === null) this.fail('expected a string');
    return JSON.parse(s) as string;
  }
  int(): number {
    const n = this.match(/^-?\d+/);
    if (n === null) this.fail('expected an integer');
    return Number(n);
  }
  value(): AttrValue {
    const c = this.peek();
    if (c === '{') {
      this.expect('{');
      const o: { [k: string]: AttrValue } = {};
      if (!this.eat('}')) {
        do {
          const k = this.name();
          this.expect(':');
          o[k] = this.value();
        } while (this.eat(','));
        this.expect('}');
      }
      return o;
    }
    if (c === '[') {
      this.expect('[');
      const a: AttrValue[] = [];
      if (!this.eat(']')) {
        do a.push(this.value());
        while (this.eat(','));
        this.expect(']');
      }
      return a;
    }
    if (c === '"') return this.jsonString();
    const lit = this.match(/^(true|false|null|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|-?Infinity|NaN)/);
    if (lit === null) this.fail('expected a value');
    if (lit === 'true') return true;
    if (lit === 'false') return false;
    if (lit === 'null') return null;
    return Number(lit);
  }
  type(): Type {
    if (this.eat('(')) {
      const fields: { name: string; type: Type }[] = [];
      if (!this.eat(')')) {
        do {
          const name = this.name();
          this.expect(':');
          fields.push({ name, type: this.type() });
        } while (this.eat(','));
        this.expect(')');
      }
      return { kind: 'record', fields };
    }
    const dtype = this.match(/^(f32|i32|bool)/);
    if (dtype === null) this.fail('expected a type');
    const axes: Axis[] = [];
    if (this.eat('[')) {
      do {
        const name = this.name();
        let size: number | string = name;
        if (this.eat('=')) {
          const s = this.match(/^[A-Za-z0-9_+*'\-]+/);
          if (s === null) this.fail('expected a size');
          size = /^\d+$/.test(s) ? Number(s) : s;
        }
        axes.push({ name, size });
      } while (this.eat(','));
      this.expect(']');
    }
    return { kind: 'tensor', dtype: dtype as 'f32', axes };
  }
}

export function parseProgram(text: string): Program {
  const lines = text.split('\n');
  const functions: { [name: string]: Func } = {};
  let entries: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = raw.trim();
    i++;
    if (!line) continue;
    const c = new Cursor(line, i);
    if (c.eat('entries')) {
      entries = [];
      if (c.peek()) {
        do entries.push(c.name());
        while (c.eat(','));
      }
      continue;
    }
    c.expect('func');
    const name = c.name();
    c.expect('(');
    const params: Func['params'] = [];
    if (!c.eat(')')) {
      do {
        const pn = c.name();
        c.expect(':');
        params.push({ name: pn, type: c.type() });
      } while (c.eat(','));
      c.expect(')');
    }
    if (c.eat('->')) c.type();
    c.expect('{');
    const nodes: Node[] = [];
    let result = -1;
    for (;;) {
      if (i >= lines.length) throw new IrParseError(`function ${name} is not closed`, i);
      const body = lines[i]!.trim();
      i++;
      if (!body) continue;
      const b = new Cursor(body, i);
      if (b.eat('}')) break;
      if (b.eat('return')) {
        b.expect('%');
        result = b.int();
        continue;
      }
      b.expect('%');
      const id = b.int();
      b.expect('=');
      const op = b.name();
      const inputs: { [k: string]: number } = {};
      if (b.eat('(')) {
        if (!b.eat(')')) {
          do {
            const k = b.peek() === '"' ? b.jsonString() : (b.match(/^[A-Za-z0-9_]+/) ?? b.fail('expected an input name'));
            b.expect(':');
            b.expect('%');
            inputs[k] = b.int();
          } while (b.eat(','));
          b.expect(')');
        }
      }
      let attrs: Attrs = {};
      if (b.peek() === '{') attrs = b.value() as Attrs;
      b.expect(':');
      const type = b.type();
      nodes.push({ id, op, inputs, attrs, type });
    }
    functions[name] = { name, params, nodes, result };
  }
  return { functions, entries };
}
