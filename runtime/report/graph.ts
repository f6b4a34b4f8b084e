// The model's IR graph: Graphviz DOT → SVG with @viz-js/viz (Graphviz
// compiled to WebAssembly, runs in Node, no native binary).
//
// Assumes DOT text from the IR printer or any other source; nothing in it is
// trusted: Graphviz escapes labels in its SVG output, and the result is
// cleaned of the XML prolog, DOCTYPE and comments so it can be inlined in
// HTML. Failures (bad DOT, a Graphviz error) come back as a value with the
// reason, never as an exception, so the report is still written.

import { instance } from '@viz-js/viz';
import type { Viz } from '@viz-js/viz';
import { prefixSvgIds } from './render.js';

let vizPromise: Promise<Viz> | undefined;

/** One Graphviz instance per process; it is reusable and initialising it costs ~20 ms. */
function viz(): Promise<Viz> {
  vizPromise ??= instance();
  return vizPromise;
}

export type GraphResult = { ok: true; svg: string } | { ok: false; reason: string };

/** Defaults that keep the graph readable offline (no web fonts) and compact. */
const GRAPH_ATTRIBUTES = { fontname: 'Helvetica,Arial,sans-serif', fontsize: 11 };
const NODE_ATTRIBUTES = { fontname: 'Helvetica,Arial,sans-serif', fontsize: 10 };
const EDGE_ATTRIBUTES = { fontname: 'Helvetica,Arial,sans-serif', fontsize: 9 };

/** Strip what only belongs in a standalone .svg file. */
function inlineable(svg: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>]*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
}

/** Render DOT to inlineable SVG, ids prefixed with `idPrefix`. */
export async function renderDot(dot: string, idPrefix: string): Promise<GraphResult> {
  const v = await viz();
  let result: ReturnType<Viz['render']>;
  try {
    result = v.render(dot, {
      format: 'svg',
      engine: 'dot',
      graphAttributes: GRAPH_ATTRIBUTES,
      nodeAttributes: NODE_ATTRIBUTES,
      edgeAttributes: EDGE_ATTRIBUTES,
    });
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (result.status !== 'success') {
    const reason = result.errors.map((err) => err.message.trim()).join('; ') || 'Graphviz reported a failure';
    return { ok: false, reason };
  }
  const svg = inlineable(result.output);
  if (!/^<svg[\s>]/.test(svg)) return { ok: false, reason: 'Graphviz returned no SVG' };
  return { ok: true, svg: prefixSvgIds(svg, idPrefix) };
}
