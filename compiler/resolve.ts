// Module resolution: parses the root files and everything they import, builds
// each module's table of declarations and imports, and reports duplicate
// declarations, missing modules, missing names and import cycles.
//
// Module names: `stdlib.models` → <stdlib>/models.qv; `stdlib.models.hist` →
// <stdlib>/models/hist.qv; a string path (`"./common.qv"`) is relative to the
// importing file. The prelude modules (stdlib/prelude.qv, layers.qv,
// losses.qv) are visible in every module without an import.
//
// Assumes: a Host that reads files (the compiler itself does no I/O).
// Guarantees: never throws on bad input; every problem is a diagnostic.

import { parse, type ParseResult } from '../grammar/index.js';
import type { Decl, Module } from '../grammar/ast.js';
import type { Diagnostic, Span } from './diagnostics/diagnostic.js';
import { diag } from './diagnostics/codes.js';

export interface Host {
  /** Text of a file, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /** Absolute folder of the standard library. */
  stdlibDir: string;
  /** Join/normalise paths (node:path in the CLI; injected so the compiler stays I/O free). */
  resolvePath(from: string, rel: string): string;
  /** Names of the entries of a folder, or undefined when it is not a folder. */
  listDir?(path: string): string[] | undefined;
  /**
   * Parse results to reuse across compiles, keyed by file and text (a watch
   * loop, the fuzz tests compiling thousands of mutants beside one stdlib).
   * ASTs are never mutated after parsing, so sharing them is safe.
   */
  parseCache?: Pick<Map<string, ParseResult>, 'get' | 'set'>;
}

export type ImportBinding =
  | { kind: 'decl'; module: ModuleInfo; name: string; span: Span }
  | { kind: 'namespace'; module: ModuleInfo; span: Span };

export interface ModuleInfo {
  id: string;
  file: string;
  text: string;
  ast: Module;
  decls: Map<string, Decl>;
  imports: Map<string, ImportBinding>;
  prelude: boolean;
  /** Folder modules (`stdlib.models` = stdlib/models/*.qv): the file each declaration lives in. */
  owners?: Map<string, ModuleInfo>;
}

export interface Resolved {
  modules: Map<string, ModuleInfo>;
  roots: ModuleInfo[];
  prelude: ModuleInfo[];
  /** file → text, for rendering diagnostics. */
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

export const PRELUDE = ['prelude', 'layers', 'losses'];

export function declName(d: Decl): string | undefined {
  if (d.kind === 'Import' || d.kind === 'DimDecl') return undefined;
  return d.name.name;
}

function declSpan(d: Decl): Span {
  return 'name' in d && d.name && typeof d.name === 'object' && 'span' in d.name ? d.name.span : d.span;
}

interface State {
  host: Host;
  modules: Map<string, ModuleInfo>;
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
  /** file paths currently being loaded (for cycle detection) */
  loading: string[];
}

function stdlibFile(host: Host, path: string[]): string {
  return host.resolvePath(host.stdlibDir, `${path.slice(1).join('/')}.qv`);
}

function load(st: State, file: string, prelude: boolean): ModuleInfo | undefined {
  const have = st.modules.get(file);
  if (have) return have;
  const text = st.host.readFile(file);
  if (text === undefined) return undefined;
  st.sources.set(file, text);
  const key = `${file}\0${text}`;
  const parsed = st.host.parseCache?.get(key) ?? parse(text, file);
  st.host.parseCache?.set(key, parsed);
  const { module, diagnostics } = parsed;
  st.diagnostics.push(...diagnostics);
  const info: ModuleInfo = { id: file, file, text, ast: module, decls: new Map(), imports: new Map(), prelude };
  st.modules.set(file, info);
  for (const d of module.decls) {
    if (d.kind === 'DimDecl') {
      for (const dim of d.dims) addDecl(st, info, dim.name.name, d, dim.name.span);
      continue;
    }
    const name = declName(d);
    if (name) addDecl(st, info, name, d, declSpan(d));
  }
  st.loading.push(file);
  for (const d of module.decls) if (d.kind === 'Import') resolveImport(st, info, d);
  st.loading.pop();
  return info;
}

/** A folder used as a module: the union of its .qv files' declarations. */
function loadFolder(st: State, dir: string): ModuleInfo | undefined {
  const have = st.modules.get(dir);
  if (have) return have;
  const entries = st.host.listDir?.(dir);
  if (!entries) return undefined;
  const parts = entries.filter((e) => e.endsWith('.qv')).sort().map((e) => load(st, st.host.resolvePath(dir, e), false)).filter((m): m is ModuleInfo => m !== undefined);
  const folder: ModuleInfo = { id: dir, file: dir, text: '', ast: { kind: 'Module', span: { file: dir, start: 0, end: 0 }, file: dir, decls: [], comments: [] }, decls: new Map(), imports: new Map(), prelude: false, owners: new Map() };
  for (const m of parts) {
    for (const [name, d] of m.decls) {
      if (folder.decls.has(name)) {
        st.diagnostics.push(diag('duplicateDeclaration', { name }, { span: declSpan(d), related: [{ span: declSpan(folder.decls.get(name)!), message: `${name} is also declared here` }] }));
        continue;
      }
      folder.decls.set(name, d);
      folder.owners!.set(name, m);
    }
  }
  st.modules.set(dir, folder);
  return folder;
}

function addDecl(st: State, m: ModuleInfo, name: string, d: Decl, span: Span): void {
  const prev = m.decls.get(name);
  if (prev) {
    st.diagnostics.push(
      diag('duplicateDeclaration', { name }, { span, related: [{ span: declSpan(prev), message: `${name} is first declared here` }] }),
    );
    return;
  }
  m.decls.set(name, d);
}

function resolveImport(st: State, m: ModuleInfo, d: Extract<Decl, { kind: 'Import' }>): void {
  let file: string;
  let label: string;
  if (d.isPath) {
    file = st.host.resolvePath(m.file, `../${d.path[0]!}`);
    label = `"${d.path[0]!}"`;
  } else if (d.path[0] === 'stdlib' && d.path.length > 1) {
    file = stdlibFile(st.host, d.path);
    label = d.path.join('.');
  } else {
    st.diagnostics.push(
      diag('moduleNotFound', { module: d.path.join('.') }, { span: d.pathSpan, hints: ['import stdlib modules as stdlib.<name>, or files by a quoted relative path'] }),
    );
    return;
  }
  const cycleAt = st.loading.indexOf(file);
  if (cycleAt >= 0) {
    const chain = [...st.loading.slice(cycleAt), file].map((f) => f.split('/').pop()).join(' → ');
    st.diagnostics.push(diag('importCycle', { cycle: chain }, { span: d.pathSpan }));
    return;
  }
  const target = load(st, file, false) ?? (d.isPath ? undefined : loadFolder(st, file.replace(/\.qv$/, '')));
  if (!target) {
    st.diagnostics.push(diag('moduleNotFound', { module: label }, { span: d.pathSpan }));
    return;
  }
  if (!d.items) {
    const alias = d.alias?.name ?? d.path[d.path.length - 1]!.replace(/\.qv$/, '').replace(/^.*\//, '');
    m.imports.set(alias, { kind: 'namespace', module: target, span: d.alias?.span ?? d.pathSpan });
    return;
  }
  for (const item of d.items) {
    if (!target.decls.has(item.name.name)) {
      st.diagnostics.push(diag('notExported', { name: item.name.name, module: label }, { span: item.name.span }));
      continue;
    }
    const local = item.alias?.name ?? item.name.name;
    if (m.imports.has(local) || m.decls.has(local)) {
      st.diagnostics.push(diag('duplicateDeclaration', { name: local }, { span: (item.alias ?? item.name).span }));
      continue;
    }
    m.imports.set(local, { kind: 'decl', module: target, name: item.name.name, span: item.span });
  }
}

/** Load the roots and their imports, with the prelude first. */
export function resolve(rootFiles: string[], host: Host): Resolved {
  const st: State = { host, modules: new Map(), sources: new Map(), diagnostics: [], loading: [] };
  const prelude: ModuleInfo[] = [];
  for (const p of PRELUDE) {
    const file = host.resolvePath(host.stdlibDir, `${p}.qv`);
    const m = load(st, file, true);
    if (m) prelude.push(m);
  }
  const roots: ModuleInfo[] = [];
  for (const f of rootFiles) {
    const m = load(st, f, prelude.some((p) => p.file === f));
    if (m) roots.push(m);
    else st.diagnostics.push(diag('moduleNotFound', { module: f }, {}));
  }
  return { modules: st.modules, roots, prelude, sources: st.sources, diagnostics: st.diagnostics };
}

export type Found =
  | { kind: 'decl'; decl: Decl; module: ModuleInfo; name: string }
  | { kind: 'namespace'; module: ModuleInfo };

/** Look a name up as seen from module m: its own declarations, its imports, then the prelude. */
export function lookup(r: Resolved, m: ModuleInfo, name: string): Found | undefined {
  const own = m.decls.get(name);
  if (own) return { kind: 'decl', decl: own, module: m.owners?.get(name) ?? m, name };
  const imp = m.imports.get(name);
  if (imp?.kind === 'namespace') return { kind: 'namespace', module: imp.module };
  if (imp?.kind === 'decl') {
    const d = imp.module.decls.get(imp.name);
    if (d) return { kind: 'decl', decl: d, module: imp.module.owners?.get(imp.name) ?? imp.module, name: imp.name };
  }
  for (const p of r.prelude) {
    if (p === m) continue;
    const d = p.decls.get(name);
    if (d) return { kind: 'decl', decl: d, module: p, name };
  }
  return undefined;
}

/** Every name visible from m (for "did you mean" suggestions). */
export function visibleNames(r: Resolved, m: ModuleInfo): string[] {
  const out = new Set<string>([...m.decls.keys(), ...m.imports.keys()]);
  for (const p of r.prelude) for (const k of p.decls.keys()) out.add(k);
  return [...out];
}
