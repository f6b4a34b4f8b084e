// Vega-Lite spec → SVG string, in Node, at build time.
//
// Compiles with vega-lite, runs the Vega dataflow in a headless View
// (`renderer: 'none'`, no DOM) and serialises the scenegraph with `toSVG()`.
// Warnings from either library are collected, never printed. The loader
// refuses every load, so a spec can only use inline data and the report
// never touches the network or the file system.
//
// Guarantees: ids inside the SVG (clip paths, gradients) are renamed to
// `<prefix>-<n>` in order of appearance, so several SVGs can share one HTML
// page and the same spec always gives the same bytes.

import { logger as vegaLogger, parse, View, Warn } from 'vega';
import type { Loader, LoggerInterface } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Shared look of every plot. */
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 8,
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start' as const, offset: 8 },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  legend: { labelFontSize: 10, titleFontSize: 11, symbolStrokeWidth: 2 },
  view: { stroke: '#ddd' },
};

export interface RenderedSvg {
  svg: string;
  /** Warnings from vega-lite and vega, in order. */
  warnings: string[];
}

function collectingLogger(sink: string[]): LoggerInterface {
  return vegaLogger(Warn, 'warn', (_method, level, args) => {
    sink.push(`${level} ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}`);
  });
}

const noLoader = {
  load: async (uri: string) => {
    throw new Error(`the report renders inline data only; refused to load ${uri}`);
  },
  sanitize: async (uri: string) => {
    throw new Error(`the report renders inline data only; refused to load ${uri}`);
  },
  http: async (uri: string) => {
    throw new Error(`the report renders inline data only; refused to load ${uri}`);
  },
  file: async (path: string) => {
    throw new Error(`the report renders inline data only; refused to read ${path}`);
  },
} as unknown as Loader;

/** Rename every `id` in an SVG to `<prefix>-<n>` and rewrite its references. */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => {
    const renamed = ids.get(id);
    return renamed === undefined ? whole : lead + renamed;
  });
}

/** Compile a Vega-Lite spec and render it to an SVG string. */
export async function renderSpec(spec: TopLevelSpec, idPrefix: string): Promise<RenderedSvg> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const vg = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec, { logger }).spec;
  const view = new View(parse(vg), { renderer: 'none', logger, loader: noLoader });
  try {
    const svg = await view.toSVG();
    return { svg: prefixSvgIds(svg, idPrefix), warnings };
  } finally {
    view.finalize();
  }
}
