// Graph sources of a plan → per-day tensors for the feeds.
//
// Each `graph` declaration's SQL runs once, in the read-only sandbox, and
// becomes a graphology graph; a day's tensor is then built for that day's
// stock order (bipartite: membership [N, M] and its live mask [M]; edges:
// adjacency [N, N]). Tensors are cached per distinct stock list, since most
// consecutive days share their members.

import { DiagnosticError, hasErrors } from '../compiler/diagnostics/diagnostic.js';
import type { GraphPlan } from '../compiler/plan/plan.js';
import { adjacency, graphFromSql, membership, rightNodes, type MarketGraph } from './data/graph.js';
import { closeSandbox, openSandbox } from './data/sandbox.js';
import type { GraphFeed } from './train/feeds.js';

export async function graphSources(plans: GraphPlan[], marketPath: string): Promise<GraphFeed> {
  const sb = await openSandbox(marketPath, { allowedPaths: [] });
  const graphs = new Map<string, { plan: GraphPlan; graph: MarketGraph; right: string[] }>();
  try {
    for (const g of plans) {
      const kind = g.kind === 'bipartite' ? 'bipartite' : g.weighted ? 'weighted' : 'edges';
      const built = await graphFromSql(sb, { sql: g.sql, name: `graph ${g.name}` }, { kind });
      if (!built.graph || hasErrors(built.diagnostics)) throw new DiagnosticError(built.diagnostics);
      graphs.set(g.name, { plan: g, graph: built.graph, right: g.kind === 'bipartite' ? rightNodes(built.graph) : [] });
    }
  } finally {
    closeSandbox(sb);
  }
  const cache = new Map<string, Float32Array>();
  return (name, part, stocks) => {
    const g = graphs.get(name)!;
    const key = `${name}|${part}|${stocks.join(',')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let out: Float32Array;
    if (g.plan.kind === 'bipartite') {
      const m = membership(g.graph, stocks, g.right);
      out = part === 'live' ? Float32Array.from(m.live) : m.matrix;
    } else out = adjacency(g.graph, stocks);
    if (cache.size > 64) cache.clear();
    cache.set(key, out);
    return out;
  };
}
