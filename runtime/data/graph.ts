// Graph sources: strategy SQL (run through the sandbox) → a graphology graph,
// and per-day tensors aligned with the day's stock order.
//
// Query shapes, by position (names do not matter):
//   edges      (src, dst)                 UndirectedGraph / DirectedGraph
//   weighted   (src, dst, w)              same, edge attribute `weight`
//   typed      (src, dst, rel_type[, w])  MultiUndirectedGraph / MultiDirectedGraph,
//                                         one edge per (pair, rel_type)
//   bipartite  (left, right)              UndirectedGraph, node attribute `side`
// Endpoints are text or integers (integers become their decimal text).
// Repeated rows merge: plain edges and memberships once, weights add up.
//
// Tensors: `adjacency` → Float32Array N×N (row i, column j at i*N + j), or
// R×N×N for the listed relation types; entry = sum of edge weights (1 for
// unweighted edges) between stocks[i] and stocks[j]; symmetric for
// undirected graphs; `selfLoops` puts 1 on the diagonal of stocks that are in
// the graph. `membership` → N×M (1 where stocks[i] belongs to right node m)
// plus `live` (M) marking right nodes with at least one member among the
// stocks. A stock absent from the graph gets an all-zero row (and column):
// an explicit "no relations", never another stock's row.
//
// Assumes: graphs built here (graph attributes `kind`, `directed`).
// Guarantees: permuting `stocks` permutes rows and columns the same way
// (property-tested); misuse (duplicate stocks, unknown relation types,
// adjacency of a membership graph) throws a DiagnosticError (Q5411).

import { DirectedGraph, MultiDirectedGraph, MultiUndirectedGraph, UndirectedGraph } from 'graphology';
import type { AbstractGraph } from 'graphology-types';
import { DiagnosticError, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import type { Column, ColumnSet } from './db.js';
import { queryLabel, runSql, type Sandbox, type SqlQuery } from './sandbox.js';

export type GraphSourceKind = 'edges' | 'weighted' | 'typed' | 'bipartite';

export interface GraphSourceOptions {
  kind: GraphSourceKind;
  /** Directed edges (src → dst); default undirected. Ignored for bipartite. */
  directed?: boolean;
}

export interface NodeAttrs {
  side?: 'left' | 'right';
  [key: string]: unknown;
}
export interface EdgeAttrs {
  weight: number;
  relType?: string;
  [key: string]: unknown;
}
export interface GraphAttrs {
  kind: GraphSourceKind;
  directed: boolean;
  /** Relation types present (typed graphs), ascending. */
  relTypes: string[];
  [key: string]: unknown;
}

export type MarketGraph = AbstractGraph<NodeAttrs, EdgeAttrs, GraphAttrs>;

export interface GraphBuild {
  graph?: MarketGraph;
  diagnostics: Diagnostic[];
}

const SHAPES: Record<GraphSourceKind, { names: string[]; optional: number }> = {
  edges: { names: ['src', 'dst'], optional: 0 },
  weighted: { names: ['src', 'dst', 'w'], optional: 0 },
  typed: { names: ['src', 'dst', 'rel_type', 'w'], optional: 1 },
  bipartite: { names: ['left', 'right'], optional: 0 },
};

function describeColumns(cols: readonly Column[]): string {
  return cols.length === 0 ? 'no columns' : cols.map((c) => `${c.name} ${c.type}`).join(', ');
}

/** Text for an endpoint cell: strings as they are, integral numbers in decimal; null when unusable. */
function keyAt(col: Column, r: number): string | null {
  if (col.kind === 'string') {
    const v = col.values[r];
    return v === null || v === undefined || v === '' ? null : v;
  }
  const x = col.values[r]!;
  return Number.isInteger(x) ? String(x) : null;
}

/** Build a graph from query columns (the shapes in the header). */
export function graphFromColumns(set: ColumnSet, opts: GraphSourceOptions, query: string): GraphBuild {
  const shape = SHAPES[opts.kind];
  const cols = set.columns;
  const n = cols.length;
  const expected = shape.optional > 0
    ? `(${shape.names.slice(0, -shape.optional).join(', ')}[, ${shape.names.slice(-shape.optional).join(', ')}])`
    : `(${shape.names.join(', ')})`;
  const weightIdx = opts.kind === 'weighted' ? 2 : opts.kind === 'typed' && n === 4 ? 3 : -1;
  const typeIdx = opts.kind === 'typed' ? 2 : -1;
  const badShape =
    n < shape.names.length - shape.optional || n > shape.names.length ||
    (weightIdx >= 0 && cols[weightIdx]!.kind !== 'number') ||
    (typeIdx >= 0 && cols[typeIdx]!.kind !== 'string');
  if (badShape) return { diagnostics: [diag('graphColumns', { query, expected, found: describeColumns(cols) })] };

  const directed = opts.kind !== 'bipartite' && opts.directed === true;
  const graph: MarketGraph = opts.kind === 'typed'
    ? (directed ? new MultiDirectedGraph<NodeAttrs, EdgeAttrs, GraphAttrs>() : new MultiUndirectedGraph<NodeAttrs, EdgeAttrs, GraphAttrs>())
    : (directed ? new DirectedGraph<NodeAttrs, EdgeAttrs, GraphAttrs>() : new UndirectedGraph<NodeAttrs, EdgeAttrs, GraphAttrs>());
  const ds: Diagnostic[] = [];
  const bad = (r: number, column: string, problem: string): void => {
    if (ds.length < 20) ds.push(diag('graphBadValue', { query, column, problem }, { location: `${query} row ${r + 1}` }));
  };
  const relTypes = new Set<string>();
  const names = shape.names;
  for (let r = 0; r < set.rowCount; r++) {
    const a = keyAt(cols[0]!, r);
    const b = keyAt(cols[1]!, r);
    if (a === null) bad(r, names[0]!, 'is empty or not an integer');
    if (b === null) bad(r, names[1]!, 'is empty or not an integer');
    let w = 1;
    if (weightIdx >= 0) {
      w = (cols[weightIdx] as Extract<Column, { kind: 'number' }>).values[r]!;
      if (!Number.isFinite(w)) bad(r, 'w', `is ${Number.isNaN(w) ? 'NULL or NaN' : 'infinite'}`);
    }
    let rel: string | null = null;
    if (typeIdx >= 0) {
      rel = (cols[typeIdx] as Extract<Column, { kind: 'string' }>).values[r] ?? null;
      if (rel === null || rel === '') bad(r, 'rel_type', 'is empty');
    }
    if (a === null || b === null || !Number.isFinite(w) || (typeIdx >= 0 && !rel)) continue;
    if (opts.kind === 'bipartite') {
      const sa = graph.hasNode(a) ? graph.getNodeAttribute(a, 'side') : undefined;
      const sb = graph.hasNode(b) ? graph.getNodeAttribute(b, 'side') : undefined;
      if (sa === 'right' || a === b) {
        ds.push(diag('graphSideConflict', { node: a }, { location: `${query} row ${r + 1}` }));
        continue;
      }
      if (sb === 'left') {
        ds.push(diag('graphSideConflict', { node: b }, { location: `${query} row ${r + 1}` }));
        continue;
      }
      graph.mergeNode(a, { side: 'left' });
      graph.mergeNode(b, { side: 'right' });
      graph.mergeEdge(a, b, { weight: 1 });
      continue;
    }
    graph.mergeNode(a);
    graph.mergeNode(b);
    if (opts.kind === 'typed') {
      relTypes.add(rel!);
      const [x, y] = directed || a <= b ? [a, b] : [b, a];
      const key = JSON.stringify([rel, x, y]);
      if (graph.hasEdge(key)) graph.updateEdgeAttribute(key, 'weight', (v) => (v ?? 0) + w);
      else graph.addEdgeWithKey(key, x, y, { weight: w, relType: rel! });
    } else if (graph.hasEdge(a, b)) {
      if (opts.kind === 'weighted') graph.updateEdgeAttribute(a, b, 'weight', (v) => (v ?? 0) + w);
    } else {
      graph.addEdge(a, b, { weight: w });
    }
  }
  if (ds.length > 0) return { diagnostics: ds };
  graph.replaceAttributes({ kind: opts.kind, directed, relTypes: [...relTypes].sort() });
  return { graph, diagnostics: [] };
}

/** Run a graph query through the sandbox and build the graph. */
export async function graphFromSql(sb: Sandbox, q: SqlQuery, opts: GraphSourceOptions): Promise<GraphBuild> {
  const run = await runSql(sb, q);
  if (!run.result) return { diagnostics: run.diagnostics };
  const built = graphFromColumns(run.result, opts, queryLabel(q));
  if (q.span) for (const d of built.diagnostics) d.span = q.span;
  return built;
}

function indexOf(stocks: readonly string[], what: string): Map<string, number> {
  const idx = new Map<string, number>();
  stocks.forEach((s, i) => {
    if (idx.has(s)) throw new DiagnosticError(diag('graphUsage', { problem: `${what} lists ${s} twice` }));
    idx.set(s, i);
  });
  return idx;
}

export interface AdjacencyOptions {
  /** One N×N slice per listed relation type (typed graphs), in this order. */
  relTypes?: readonly string[];
  /** Put 1 on the diagonal of stocks that are in the graph. */
  selfLoops?: boolean;
}

/** Adjacency tensor of the stocks, N×N or [R, N, N] (see the header). */
export function adjacency(graph: MarketGraph, stocks: readonly string[], opts: AdjacencyOptions = {}): Float32Array {
  const kind = graph.getAttribute('kind');
  if (kind === 'bipartite') throw new DiagnosticError(diag('graphUsage', { problem: 'a membership (bipartite) graph has no stock adjacency; use membership()' }));
  const idx = indexOf(stocks, 'the stock order');
  const n = stocks.length;
  let slices = 1;
  let slot: (rel: string | undefined) => number = () => 0;
  if (opts.relTypes !== undefined) {
    const known = graph.getAttribute('relTypes') ?? [];
    if (kind !== 'typed') throw new DiagnosticError(diag('graphUsage', { problem: `relTypes given for a ${kind} graph; only typed graphs have relation types` }));
    const relIdx = indexOf(opts.relTypes, 'relTypes');
    for (const r of opts.relTypes) {
      if (!known.includes(r)) throw new DiagnosticError(diag('graphUsage', { problem: `unknown relation type ${r} (known: ${known.join(', ') || 'none'})` }));
    }
    slices = opts.relTypes.length;
    slot = (rel) => (rel === undefined ? -1 : relIdx.get(rel) ?? -1);
  }
  const out = new Float32Array(slices * n * n);
  const directed = graph.getAttribute('directed') === true;
  for (let i = 0; i < n; i++) {
    const s = stocks[i]!;
    if (!graph.hasNode(s)) continue;
    const visit = (_e: string, attr: EdgeAttrs, source: string, target: string): void => {
      const other = source === s ? target : source;
      const j = idx.get(other);
      if (j === undefined) return;
      const k = slot(attr.relType);
      if (k < 0) return;
      out[k * n * n + i * n + j] += attr.weight;
    };
    if (directed) graph.forEachOutEdge(s, visit);
    else graph.forEachEdge(s, visit);
    if (opts.selfLoops) for (let k = 0; k < slices; k++) out[k * n * n + i * n + i] = 1;
  }
  return out;
}

/** Membership matrix N×M of stocks in right nodes, and which right nodes have a member today. */
export function membership(graph: MarketGraph, stocks: readonly string[], rightNodes: readonly string[]): { matrix: Float32Array; live: Uint8Array } {
  if (graph.getAttribute('kind') !== 'bipartite') {
    throw new DiagnosticError(diag('graphUsage', { problem: `membership() needs a bipartite graph, not a ${String(graph.getAttribute('kind'))} one` }));
  }
  indexOf(stocks, 'the stock order');
  const ridx = indexOf(rightNodes, 'the right-node order');
  const n = stocks.length;
  const m = rightNodes.length;
  const matrix = new Float32Array(n * m);
  const live = new Uint8Array(m);
  for (let i = 0; i < n; i++) {
    const s = stocks[i]!;
    if (!graph.hasNode(s) || graph.getNodeAttribute(s, 'side') !== 'left') continue;
    graph.forEachNeighbor(s, (nb) => {
      const j = ridx.get(nb);
      if (j === undefined) return;
      matrix[i * m + j] = 1;
      live[j] = 1;
    });
  }
  return { matrix, live };
}

/** The right-side nodes of a membership graph, ascending (a stable column order for `membership`). */
export function rightNodes(graph: MarketGraph): string[] {
  return graph.filterNodes((_n, a) => a.side === 'right').sort();
}
