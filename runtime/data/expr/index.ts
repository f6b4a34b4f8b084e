// Public API of the feature engine: evaluate FeatureExprs / feature sets over
// a Panel, parse Qlib expression strings, analyse look-ahead, and the
// Alpha158 / Alpha360 feature sets. See docs/expressions.md.

export { evaluateExprs, evaluateExprsSync, evaluateFeatureSet, featureSetExprs } from './evaluate.js';
export type { EvalOptions, EvalResult, EvalStats, NamedExpr } from './evaluate.js';
export { parseQlibExpr, parseQlibExprResult } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { checkFeatureExpr, fieldsOf, formatExpr, lookahead, lookback, OPS } from './ops.js';
export type { OpSpec } from './ops.js';
export { alpha158, alpha158Texts, alpha360, alpha360Flat, windowColumnNames } from './alpha.js';
export type { Semantics } from './graph.js';
export { shutdownExprWorkers } from './parallel.js';
