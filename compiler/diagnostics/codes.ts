// The one table of diagnostic codes.
//
// Each entry: a stable key (the object property), a public code, a severity,
// typed parameters and formatters for the message and an optional hint.
// Keys, not message texts, identify a diagnostic, so rewording a message
// renames nothing.
//
// Bands (keep each entry in its band's section, codes ascending):
//   Q1xxx  syntax (lexer, parser)
//   Q2xxx  names and imports
//   Q3xxx  types and shapes
//   Q4xxx  time alignment and look-ahead
//   Q5xxx  data: 50xx feature expressions, 52xx importers and files,
//          54xx SQL sandbox and graph sources, 55xx synthetic market
//   Q6xxx  runtime: 60xx backends, ops and executor, 62xx training,
//          64xx evaluation and backtest, 65xx runs and reports
//   Q9xxx  compiler bugs (never the user's fault)
//
// test/diagnostics/codes.test.ts fails when a code is never raised in source
// or appears in no test expectation.

import type { Diagnostic, Related, Severity, Span } from './diagnostic.js';

export interface CodeDef<P> {
  code: string;
  severity: Severity;
  text: (p: P) => string;
  hint?: (p: P) => string;
}

function def<P = Record<string, never>>(
  code: string,
  severity: Severity,
  text: (p: P) => string,
  hint?: (p: P) => string,
): CodeDef<P> {
  return hint ? { code, severity, text, hint } : { code, severity, text };
}

type S = string;
type N = number;

export const codes = {
  // ── Q1xxx syntax ─────────────────────────────────────────────────────────
  unexpectedCharacter: def<{ char: S }>('Q1001', 'error', (p) => `unexpected character ${p.char}`),
  unterminatedString: def('Q1002', 'error', () => 'unterminated string literal',
    () => 'close the string with a matching quote on the same line, or use """ for several lines'),
  unexpectedToken: def<{ found: S; expected: S }>('Q1003', 'error',
    (p) => `unexpected ${p.found}; expected ${p.expected}`),
  unexpectedEnd: def<{ expected: S }>('Q1004', 'error', (p) => `unexpected end of file; expected ${p.expected}`),
  invalidDate: def<{ text: S }>('Q1005', 'error', (p) => `${p.text} is not a valid calendar date`),
  invalidNumber: def<{ text: S }>('Q1006', 'error', (p) => `${p.text} is not a valid number`),
  unterminatedComment: def('Q1007', 'error', () => 'unterminated block comment'),
  duplicateNamedArgument: def<{ name: S }>('Q1008', 'error', (p) => `argument ${p.name} is given twice`),
  positionalAfterNamed: def('Q1009', 'error', () => 'a positional argument follows a named one',
    () => 'put positional arguments first'),
  invalidEscape: def<{ text: S }>('Q1010', 'error', (p) => `unknown escape sequence ${p.text} in a string`,
    () => 'the escapes are \\" \\\\ \\n \\t; use """...""" for raw text'),
  tooDeeplyNested: def('Q1011', 'error', () => 'this expression nests too deeply to parse',
    () => 'split it into several let bindings'),

  // ── Q2xxx names and imports ──────────────────────────────────────────────
  unknownName: def<{ name: S; suggestion?: S }>('Q2001', 'error', (p) => `unknown name ${p.name}`,
    (p) => (p.suggestion ? `did you mean ${p.suggestion}?` : 'declare it, or import it from a module')),
  duplicateDeclaration: def<{ name: S }>('Q2002', 'error', (p) => `${p.name} is declared twice in this module`),
  moduleNotFound: def<{ module: S }>('Q2003', 'error', (p) => `module ${p.module} not found`),
  importCycle: def<{ cycle: S }>('Q2004', 'error', (p) => `import cycle: ${p.cycle}`),
  notExported: def<{ name: S; module: S }>('Q2005', 'error', (p) => `${p.module} has no declaration named ${p.name}`),
  wrongKind: def<{ name: S; expected: S; found: S }>('Q2006', 'error', (p) => `${p.name} is ${p.found}, expected ${p.expected}`),
  unknownClause: def<{ head: S; block: S; known: S }>('Q2007', 'error', (p) => `unknown clause ${p.head} in a ${p.block} block`,
    (p) => `known clauses: ${p.known}`),
  duplicateClause: def<{ head: S; block: S }>('Q2008', 'error', (p) => `${p.head} is given twice in this ${p.block} block`),
  missingClause: def<{ head: S; block: S }>('Q2009', 'error', (p) => `this ${p.block} block needs a ${p.head} clause`),
  unknownSetting: def<{ key: S; block: S; known: S }>('Q2010', 'error', (p) => `unknown setting ${p.key} in ${p.block}`,
    (p) => `known settings: ${p.known}`),
  unusedBinding: def<{ name: S }>('Q2011', 'warning', (p) => `${p.name} is never used`,
    () => 'remove it, or prefix its name with _ to keep it'),
  noStrategy: def<{ name: S }>('Q2012', 'error', (p) => `no strategy named ${p.name} in this file`),
  layerOpAlias: def<{ name: S; op: S }>('Q2013', 'warning',
    (p) => `${p.name} names the layer op ${p.op}, not a layer: each application makes a new layer with its own parameters`,
    (p) => `write \`let ${p.name} = ${p.op}()\` to bind one layer that every application shares`),

  // ── Q3xxx types and shapes ───────────────────────────────────────────────
  axisMismatch: def<{ a: S; b: S }>('Q3001', 'error', (p) => `axis ${p.a} met axis ${p.b}`,
    () => 'axes align by name: rename one side (rename(x, A: B)), or use outer(a, b) for all pairs'),
  missingAxis: def<{ axis: S; type: S }>('Q3002', 'error', (p) => `no axis ${p.axis} in [${p.type}]`),
  sizeMismatch: def<{ axis: S; a: S; b: S }>('Q3003', 'error',
    (p) => `axis ${p.axis} has size ${p.a} on one side and ${p.b} on the other`),
  typeMismatch: def<{ expected: S; found: S }>('Q3004', 'error', (p) => `expected ${p.expected}, found ${p.found}`),
  duplicateAxis: def<{ axis: S }>('Q3005', 'error', (p) => `axis ${p.axis} would appear twice`,
    () => 'give the new axis another name'),
  missingArgument: def<{ name: S; op: S }>('Q3006', 'error', (p) => `${p.op} needs argument ${p.name}`),
  unknownArgument: def<{ name: S; op: S; known: S }>('Q3007', 'error', (p) => `${p.op} has no argument ${p.name}`,
    (p) => `its arguments: ${p.known}`),
  tooManyArguments: def<{ op: S; max: N }>('Q3008', 'error', (p) => `${p.op} takes at most ${p.max} positional arguments`),
  badAttribute: def<{ name: S; value: S }>('Q3009', 'error', (p) => `${p.value} is not a valid ${p.name}`),
  notCompileTime: def<{ what: S }>('Q3010', 'error', (p) => `${p.what} must be known at compile time`,
    () => 'use a literal, a hyper-parameter or a top-level let'),
  notCallable: def<{ what: S }>('Q3011', 'error', (p) => `${p.what} cannot be called`),
  noSuchField: def<{ field: S; type: S }>('Q3012', 'error', (p) => `${p.type} has no field ${p.field}`),
  returnMismatch: def<{ expected: S; found: S }>('Q3013', 'error', (p) => `the model returns ${p.found}, but its signature says ${p.expected}`),
  missingReturn: def<{ name: S }>('Q3014', 'error', (p) => `${p.name} has no return statement`),
  notSizeOne: def<{ axis: S; size: S }>('Q3015', 'error', (p) => `axis ${p.axis} has size ${p.size}; only a size-1 axis can be squeezed`),
  maskAxes: def<{ mask: S; x: S }>('Q3016', 'error', (p) => `a mask over [${p.mask}] does not fit a value over [${p.x}]`),
  rnnNeedsFeatures: def<{ type: S; time: S }>('Q3017', 'error',
    (p) => `a recurrent or convolutional layer needs a feature axis after ${p.time}; got [${p.type}]`),
  notScalar: def<{ type: S }>('Q3018', 'error', (p) => `expected a scalar, found a value over [${p.type}]`),
  badSlice: def<{ start: N; end: N; size: N }>('Q3019', 'error', (p) => `slice ${p.start}..${p.end} does not fit an axis of size ${p.size}`),
  axisBoundTwice: def<{ a: S; b: S; callee: S; target: S }>('Q3020', 'error',
    (p) => `axes ${p.a} and ${p.b} of ${p.callee} would both be ${p.target}`,
    () => 'distinct axes of a model must stay distinct; rename one argument'),
  recursion: def<{ name: S }>('Q3021', 'error', (p) => `${p.name} calls itself; models cannot recurse`),
  patternArity: def<{ expected: N; found: N }>('Q3022', 'error', (p) => `expected ${p.expected} names to destructure ${p.found} values`),
  notATensor: def<{ what: S }>('Q3023', 'error', (p) => `${p.what} is not a tensor`),
  notPipeable: def<{ what: S }>('Q3024', 'error', (p) => `cannot pipe into ${p.what}`,
    () => 'the right side of |> must be a function, a layer or a model'),

  // ── Q4xxx time alignment and look-ahead ──────────────────────────────────
  futureRead: def<{ expr: S }>('Q4001', 'error',
    (p) => `${p.expr} reads future rows outside a label`,
    () => 'a negative shift looks ahead; only a label may read the future'),
  memoryLeak: def<{ memory: S; lag: N; horizon: N }>('Q4002', 'error',
    (p) => `memory ${p.memory} is readable after ${p.lag} days, but its values are written with labels that look ${p.horizon} days ahead`,
    (p) => `use lag: ${p.horizon} or more, or values written today would leak tomorrow's label`),
  targetInModel: def<{ name: S }>('Q4003', 'error',
    (p) => `${p.name} is a target: only a loss may read it, never the model`,
    (p) => `a target may read the future, as the label does; pass it to the loss instead (loss: my_loss(pred, label, ${p.name}))`),

  // ── Q5xxx data ───────────────────────────────────────────────────────────
  // 50xx feature expressions
  featureUnknownOperator: def<{ name: S; suggestion?: S }>('Q5001', 'error', (p) => `unknown feature operator ${p.name}`,
    (p) => (p.suggestion ? `did you mean ${p.suggestion}?` : 'see docs/expressions.md for the operators')),
  featureUnknownField: def<{ name: S; expr?: S; suggestion?: S }>('Q5002', 'error',
    (p) => `unknown field $${p.name}${p.expr !== undefined ? ` in ${p.expr}` : ''}`,
    (p) => (p.suggestion ? `did you mean $${p.suggestion}?` : 'the panel has no such field')),
  featureArity: def<{ op: S; expected: S; got: N }>('Q5003', 'error',
    (p) => `${p.op} takes ${p.expected} arguments, got ${p.got}`),
  featureBadConstant: def<{ op: S; what: S; expected: S; got: S }>('Q5004', 'error',
    (p) => `${p.op}: ${p.what} must be ${p.expected}, got ${p.got}`),
  featureSyntax: def<{ message: S }>('Q5005', 'error', (p) => `feature expression: ${p.message}`),
  featureUnsupported: def<{ what: S }>('Q5006', 'error', (p) => `${p.what} is not supported in Quiver feature expressions`,
    () => 'see docs/expressions.md for what Quiver evaluates'),
  featureCacheUnavailable: def<{ dir: S; reason: S }>('Q5007', 'warning',
    (p) => `feature cache ${p.dir} unusable (${p.reason}); computing without it`),
  datasetUnknownColumn: def<{ name: S; set: S }>('Q5010', 'error', (p) => `feature set ${p.set} has no column ${p.name}`),
  datasetEmptyFitWindow: def<{ start: S; end: S }>('Q5011', 'warning',
    (p) => `processor fit window ${p.start}..${p.end} holds no rows; its statistics are NaN`),
  datasetProcessorPlacement: def<{ processor: S; reason: S }>('Q5012', 'error',
    (p) => `processor ${p.processor} cannot go here: ${p.reason}`),
  datasetUnknownSegment: def<{ name: S; known: S }>('Q5013', 'error',
    (p) => `unknown segment ${p.name}`, (p) => `segments: ${p.known}`),
  datasetBadOption: def<{ what: S }>('Q5014', 'error', (p) => `dataset: ${p.what}`),
  datasetNaNAfterFill: def<{ processor: S }>('Q5015', 'warning',
    (p) => `${p.processor} can leave NaN in the features, and no fillna comes after it`,
    () => "a column with no spread across a day's stocks (Alpha360's CLOSE0 is 1 on every row) becomes NaN, and a NaN feature makes the loss NaN; put fillna(0) after it"),

  // 52xx importers and files
  marketOpenFailed: def<{ path: S; reason: S }>('Q5201', 'error', (p) => `cannot open market database ${p.path}: ${p.reason}`),
  importFileNotFound: def<{ path: S }>('Q5202', 'error', (p) => `${p.path} does not exist`),
  importEmptyFile: def<{ file: S }>('Q5203', 'error', (p) => `${p.file} is empty (no data rows)`),
  importMissingColumn: def<{ file: S; column: S; found: S }>('Q5204', 'error',
    (p) => `${p.file} has no ${p.column} column`, (p) => `its columns are: ${p.found}`),
  importBadDate: def<{ text: S }>('Q5205', 'error', (p) => `${p.text} is not a date (expected YYYY-MM-DD)`),
  importBadNumber: def<{ column: S; text: S }>('Q5206', 'error', (p) => `${p.column}: ${p.text} is not a number`),
  importDuplicateRow: def<{ stock: S; day: S; first: S }>('Q5207', 'error',
    (p) => `a second row for ${p.stock} on ${p.day} (the first is at ${p.first})`,
    () => 'each (stock, day) pair must appear once; remove the duplicate'),
  unknownField: def<{ field: S; known: S }>('Q5208', 'error', (p) => `unknown field ${p.field}`,
    (p) => `known fields: ${p.known}`),
  binTruncated: def<{ file: S; bytes: N }>('Q5209', 'error',
    (p) => `${p.file} is truncated: ${p.bytes} bytes is not a header plus whole float32 values`),
  binBadHeader: def<{ file: S; start: S; last: N }>('Q5210', 'error',
    (p) => `${p.file}: start index ${p.start} does not place the data inside the calendar (indexes 0..${p.last})`),
  binShort: def<{ file: S; last: S; expected: S }>('Q5211', 'error',
    (p) => `${p.file} is shorter than its instrument's span: it ends on ${p.last}, instruments/all.txt says ${p.expected}`),
  importDayNotInCalendar: def<{ stock: S; day: S }>('Q5212', 'error',
    (p) => `${p.stock} has a row on ${p.day}, which is not a trading day in the calendar file`),
  importFailed: def<{ out: S; reason: S }>('Q5213', 'error', (p) => `import into ${p.out} failed: ${p.reason}`),
  importIgnoredColumns: def<{ columns: S }>('Q5214', 'note',
    (p) => `ignored columns that are not market fields: ${p.columns}`),
  importEmptyKey: def<{ column: S }>('Q5215', 'error', (p) => `the ${p.column} cell is empty`),
  importBadUniverseLine: def<{ reason: S }>('Q5216', 'error', (p) => `bad membership line: ${p.reason}`,
    () => 'expected SYMBOL, start date, end date (tab-separated for Qlib .txt files, a CSV header otherwise)'),
  marketMissingTables: def<{ path: S; missing: S }>('Q5217', 'error',
    (p) => `${p.path} is not a Quiver market database: missing table(s) ${p.missing}`),
  unknownUniverse: def<{ name: S; known: S }>('Q5218', 'error', (p) => `unknown universe ${p.name}`,
    (p) => `universes in this market: ${p.known}`),
  badDateRange: def<{ start: S; end: S }>('Q5219', 'error', (p) => `empty date range: start ${p.start} is after end ${p.end}`),
  unknownInstrument: def<{ code: S }>('Q5220', 'error', (p) => `no rows for instrument ${p.code} in bars_daily`),
  dataUsage: def<{ message: S; usage: S }>('Q5221', 'error', (p) => p.message, (p) => `usage: ${p.usage}`),
  importUnknownSource: def<{ path: S }>('Q5222', 'error', (p) => `cannot tell what kind of market data ${p.path} holds`,
    () => 'give a .csv/.csv.gz/.parquet file, a folder of them, a Qlib folder (calendars/, features/), or `sample`'),
  importMissingFactor: def<{ file: S }>('Q5223', 'warning',
    (p) => `${p.file} has no factor column; prices are taken as unadjusted (factor 1)`),
  duplicateInstrument: def<{ code: S }>('Q5224', 'error', (p) => `instrument ${p.code} is given twice`),

  // 54xx SQL sandbox and graph sources
  sqlEmpty: def<{ query: S }>('Q5401', 'error', (p) => `query ${p.query} is empty`),
  sqlParse: def<{ query: S; reason: S }>('Q5402', 'error', (p) => `query ${p.query} does not parse: ${p.reason}`),
  sqlMultipleStatements: def<{ query: S; count: N }>('Q5403', 'error',
    (p) => `query ${p.query} holds ${p.count} statements; strategy SQL is one query`),
  sqlForbidden: def<{ query: S; kind: S }>('Q5404', 'error',
    (p) => `query ${p.query}: ${p.kind} statements are not allowed; strategy SQL may only read (SELECT)`,
    () => 'strategy SQL runs read-only: no writes, COPY, ATTACH, INSTALL, LOAD, PRAGMA or SET'),
  sqlRefused: def<{ query: S; reason: S }>('Q5405', 'error', (p) => `DuckDB refused query ${p.query}: ${p.reason}`),
  sqlTooLarge: def<{ query: S; limit: N }>('Q5406', 'error',
    (p) => `query ${p.query} returns more than ${p.limit} rows`, () => 'aggregate or filter inside the query'),
  sandboxSetup: def<{ reason: S }>('Q5407', 'error', (p) => `cannot set up the SQL sandbox: ${p.reason}`),
  graphColumns: def<{ query: S; expected: S; found: S }>('Q5408', 'error',
    (p) => `graph query ${p.query} must return ${p.expected}; it returns ${p.found}`),
  graphBadValue: def<{ query: S; column: S; problem: S }>('Q5409', 'error',
    (p) => `graph query ${p.query}: ${p.column} ${p.problem}`),
  graphSideConflict: def<{ node: S }>('Q5410', 'error',
    (p) => `${p.node} appears on both sides of a bipartite membership graph`),
  graphUsage: def<{ problem: S }>('Q5411', 'error', (p) => `graph tensor: ${p.problem}`),
  sqlGroundTruth: def<{ query: S; tables: S }>('Q5412', 'error',
    (p) => `query ${p.query} reads the ground-truth table(s) ${p.tables}; strategy SQL may not read truth_* tables`,
    () => 'truth_* tables record what the synthetic market planted, for tests; a strategy reads only the observable tables (docs/synthetic-market.md)'),

  // 55xx synthetic market
  synthUnknownPreset: def<{ preset: S; known: S }>('Q5501', 'error',
    (p) => `unknown synthetic-market preset ${p.preset}`, (p) => `use one of: ${p.known}`),
  synthUnknownEffect: def<{ name: S; known: S; suggestion?: S }>('Q5502', 'error',
    (p) => `unknown planted effect ${p.name}`,
    (p) => (p.suggestion ? `did you mean ${p.suggestion}? known effects: ${p.known}` : `known effects: ${p.known}`)),
  synthBadEffectParam: def<{ effect: S; param: S; value: S; expected: S }>('Q5503', 'error',
    (p) => `effect ${p.effect}: ${p.param} = ${p.value} is not allowed`, (p) => `expected ${p.expected}`),
  synthBadOption: def<{ option: S; value: S; expected: S }>('Q5504', 'error',
    (p) => `bad synthetic-market option ${p.option} = ${p.value}`, (p) => `expected ${p.expected}`),
  synthWriteFailed: def<{ path: S; reason: S }>('Q5505', 'error',
    (p) => `could not write the synthetic market to ${p.path}: ${p.reason}`,
    () => 'check that the folder exists and is writable; nothing was left at the target path'),

  // ── Q6xxx runtime ────────────────────────────────────────────────────────
  // 60xx backends, ops and executor
  backendUnavailable: def<{ backend: S; reason: S; fallback: S }>('Q6001', 'warning',
    (p) => `backend ${p.backend} was requested but cannot load (${p.reason}); using ${p.fallback}`,
    (p) => (p.backend === 'node' || p.backend === 'node-gpu'
      ? 'build tfjs-node offline with `npm run setup:tfjs-node` (see docs/backends.md)'
      : 'choose another backend with --backend or QUIVER_BACKEND')),
  unknownBackend: def<{ value: S; source: S }>('Q6002', 'warning',
    (p) => `unknown backend ${p.value} in ${p.source}; choosing automatically`,
    () => 'valid backends: node-gpu, node, wasm, cpu'),
  rnnShapeMismatch: def<{ what: S }>('Q6003', 'error', (p) => `recurrent layer: ${p.what}`),
  parallelWorkerFailed: def<{ worker: N; reason: S }>('Q6004', 'error',
    (p) => `data-parallel replica ${p.worker} failed: ${p.reason}`,
    () => 'run with workers: 1 to train in a single process'),
  opShapeMismatch: def<{ op: S; what: S }>('Q6010', 'error',
    (p) => `op ${p.op} at run time: ${p.what}`,
    () => 'the tensors fed to this op do not have the sizes its type promises; check the data and the inputs given to the model'),

  paramShapeUnknown: def<{ key: S; shape: S }>('Q6050', 'error',
    (p) => `parameter ${p.key} has shape ${p.shape}, which is not known when the model is built`,
    () => 'layer sizes must be known at compile time: give the hyper-parameter a value'),
  missingInput: def<{ name: S; fn: S }>('Q6051', 'error', (p) => `${p.fn} needs input ${p.name}, which the data does not provide`),

  // 62xx training
  lossNotFinite: def<{ stage: S; epoch: N; step: N; inputs?: S }>('Q6201', 'error',
    (p) => `the loss became NaN or infinite in stage ${p.stage}, epoch ${p.epoch}, step ${p.step}`,
    (p) => (p.inputs
      ? `the batch's inputs hold NaN or infinite values: ${p.inputs}; fill them in the data block (fillna after cs_zscore, for example)`
      : 'lower the learning rate, clip gradients (clip: value(3)), or check the features for infinities')),
  checkpointUnreadable: def<{ path: S; reason: S }>('Q6202', 'error', (p) => `cannot read checkpoint ${p.path}: ${p.reason}`),
  checkpointMismatch: def<{ path: S; what: S }>('Q6203', 'error', (p) => `checkpoint ${p.path} does not fit this model: ${p.what}`),
  emptySegment: def<{ segment: S; start: S; end: S }>('Q6204', 'error',
    (p) => `segment ${p.segment} (${p.start}..${p.end}) has no trading days with data`),
  rlNotRunnable: def<{ strategy: S }>('Q6206', 'error',
    (p) => `strategy ${p.strategy} learns by reinforcement (env), which quiver run does not train yet`,
    () => 'quiver check validates it; order-execution training (OPD) comes with the RL runtime'),
  initPrefixEmpty: def<{ prefix: S; path: S }>('Q6205', 'error',
    (p) => `checkpoint ${p.path} has no parameters under ${p.prefix}`),

  // 64xx evaluation and backtest
  backtestBadSetting: def<{ name: S; value: S; expected: S }>('Q6401', 'error',
    (p) => `backtest setting ${p.name} = ${p.value} is invalid; expected ${p.expected}`),
  backtestNDropAboveTopk: def<{ nDrop: N; topk: N }>('Q6402', 'error',
    (p) => `n_drop (${p.nDrop}) is larger than topk (${p.topk})`,
    () => 'TopkDropout replaces at most topk holdings a day; use n_drop <= topk'),
  backtestBenchmarkMissing: def<{ name: S }>('Q6403', 'error',
    (p) => `benchmark ${p.name} is missing`,
    () => 'give the benchmark as an instrument of the panel (Qlib: SH000300) or as a close/return series per panel day'),
  backtestFieldMissing: def<{ field: S }>('Q6404', 'error',
    (p) => `the market panel has no ${p.field} field, which the backtest needs`),
  evalShapeMismatch: def<{ what: S; got: N; expected: N }>('Q6405', 'error',
    (p) => `${p.what} has ${p.got} entries; expected ${p.expected}`),
  backtestEmptyWindow: def<{ start: S; end: S }>('Q6406', 'error',
    (p) => `no trading day of the panel lies in the backtest window ${p.start} .. ${p.end}`),
  backtestLotRoundingOff: def<{ instrument: S; day: S }>('Q6407', 'warning',
    (p) => `adjustment factor missing for ${p.instrument} on ${p.day}; lot rounding is off for the whole backtest`,
    () => 'as in Qlib, one missing factor on a tradable day makes every order trade adjusted amounts without 100-share lots'),
  evalBadSetting: def<{ name: S; value: S; expected: S }>('Q6408', 'error',
    (p) => `evaluation setting ${p.name} = ${p.value} is invalid; expected ${p.expected}`),

  // 65xx runs and reports
  // 656x report.html (runtime/report/)
  reportSeriesLength: def<{ series: S; length: N; expected: N }>('Q6560', 'error',
    (p) => `report series ${p.series} has ${p.length} values; expected ${p.expected}, one per day`),
  reportBadValue: def<{ series: S; index: N; value: S }>('Q6561', 'error',
    (p) => `report series ${p.series} has ${p.value} at index ${p.index}; expected a finite number`,
    () => 'backtest series must be finite numbers; a missing IC is written as null'),
  reportBadDay: def<{ series: S; index: N; day: S }>('Q6562', 'error',
    (p) => `report series ${p.series} has day ${p.day} at index ${p.index}; expected an ISO date (YYYY-MM-DD) after the previous day`),
  reportGraphFailed: def<{ reason: S }>('Q6563', 'warning',
    (p) => `the model graph could not be drawn: ${p.reason}`,
    () => 'the report is written without the graph; `quiver explain` prints the IR as text'),
  reportWriteFailed: def<{ path: S; reason: S }>('Q6564', 'error',
    (p) => `cannot write the report to ${p.path}: ${p.reason}`),

  // ── Q9xxx compiler bugs ──────────────────────────────────────────────────
  internalError: def<{ what: S }>('Q9001', 'error', (p) => `internal compiler error: ${p.what}`,
    () => 'this is a bug in Quiver, not in your program; please report it with the file that triggers it'),
} as const;

export type CodeKey = keyof typeof codes;
export type ParamsOf<K extends CodeKey> = (typeof codes)[K] extends CodeDef<infer P> ? P : never;

export interface DiagExtra {
  span?: Span;
  location?: string;
  related?: Related[];
  hints?: string[];
}

/** Build a diagnostic from the table. */
export function diag<K extends CodeKey>(key: K, params: ParamsOf<K>, extra: DiagExtra = {}): Diagnostic {
  const entry = codes[key] as CodeDef<ParamsOf<K>>;
  const hints = [...(extra.hints ?? [])];
  if (entry.hint) hints.push(entry.hint(params));
  const d: Diagnostic = {
    key,
    code: entry.code,
    severity: entry.severity,
    message: entry.text(params),
    hints,
    related: extra.related ?? [],
  };
  if (extra.span) d.span = extra.span;
  if (extra.location) d.location = extra.location;
  return d;
}

/** All codes, for docs and the code-coverage test. */
export function codeList(): { key: CodeKey; code: string; severity: Severity }[] {
  return (Object.keys(codes) as CodeKey[]).map((key) => ({ key, code: codes[key].code, severity: codes[key].severity }));
}
