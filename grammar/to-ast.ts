// CST → AST: the visitor that turns chevrotain's concrete tree into grammar/ast.ts.
//
// What it does: builds AST nodes with spans (file + UTF-16 offsets [start, end)),
// reports the syntax problems that the grammar itself does not see:
// Q1003 (stray tokens skipped by the junk rules, one per run), Q1005 invalid
// dates, Q1006 invalid numbers, Q1008 duplicate named arguments, Q1009
// positional after named, Q1010 unknown string escapes; and collects comments.
//
// Assumptions: the CST comes from parser.ts, possibly with recovered parts.
// An "item" (declaration, statement, clause, train clause, feature def, stage,
// record entry) whose subtree was recovered (a partial node, or a token
// inserted by chevrotain) is dropped from its list; everything else in the
// tree is complete, so visitors can rely on required children being present.
//
// Naming (shared/STYLE.md §2): `visitX` returns an AST node, `getX` helper data.
// chevrotain's visitor dispatches on rule names, so the constructor binds each
// rule name to its `visitX`/`getX` method and `validateVisitor()` then checks
// that no rule is left without one.

import { EOF, type CstElement, type CstNode, type ICstVisitor, type IToken } from 'chevrotain';
import type {
  Arg, AxisSpec, Clause, ClauseBody, Comment, Decl, Expr, FeatureDef, Ident, ImportItem, Param, Pattern,
  RecordEntry, RecordLike, Span, Stage, Stmt, TrainBody, TrainClause, TypeExpr, BinaryOp,
} from './ast.js';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { diag } from '../compiler/diagnostics/codes.js';
import type * as C from './cst.js';
import { EXPECTED_DECLARATION, parser } from './parser.js';
import { CmpOp, type StringPayload } from './tokens.js';

const ITEM_RULES = new Set(['declaration', 'statement', 'clause', 'trainClause', 'featureDef', 'stage', 'recordEntry']);

export interface ToAstContext {
  file: string;
  text: string;
  /** Added to every offset (parseExpression of a string's content inside a file). */
  base: number;
}

/** Describes a token for "unexpected ..." texts: one line, short. */
export function describeFound(t: IToken): string {
  const first = t.image.split(/\r?\n|\r/)[0] ?? '';
  const cut = first.length > 24 || first.length < t.image.length ? `${first.slice(0, 24)}…` : first;
  return `\`${cut}\``;
}

function isToken(e: CstElement): e is IToken {
  return (e as IToken).tokenType !== undefined;
}

/** Start offset for ordering; a recovered node that kept no token sorts last. */
function startOf(e: CstElement): number {
  const s = isToken(e) ? e.startOffset : e.location?.startOffset;
  return s === undefined || Number.isNaN(s) ? Number.POSITIVE_INFINITY : s;
}

/** Merge several child lists (each in source order) into one list in source order. */
function merged<T extends CstElement>(...lists: (T[] | undefined)[]): T[] {
  const all: T[] = [];
  for (const l of lists) if (l) all.push(...l);
  return all.sort((a, b) => startOf(a) - startOf(b));
}

const JUNK_RULES = new Set(['topJunk', 'blockJunk']);

/** What a list expects where the junk rules skipped a stray token, by the rule that holds the list. */
const JUNK_EXPECTED: Record<string, string> = {
  module: EXPECTED_DECLARATION,
  modelDecl: 'a statement (let, write, return) or `}`',
  dataDecl: 'a clause or `}`',
  strategyDecl: 'a clause or `}`',
  trainBody: 'a `key: value` setting, a stage or `}`',
  featuresDecl: 'a feature definition (`NAME = expression`) or `}`',
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER_RE = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Is `text` (yyyy-mm-dd) a real calendar date? */
export function isCalendarDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

type Bridge = Record<string, unknown>;

/**
 * Builds the visitor class on first use: its base class comes from the parser
 * singleton, which is itself created lazily.
 */
function makeVisitorClass() {
  const Base = parser().getBaseCstVisitorConstructor() as new () => ICstVisitor<unknown, unknown>;
  const ruleNames = Object.keys(parser().getGAstProductions());

  return class ToAst extends Base {
    readonly diagnostics: Diagnostic[] = [];
    private readonly broken = new WeakSet<CstNode>();

    constructor(private readonly ctx: ToAstContext) {
      super();
      const self = this as unknown as Bridge;
      for (const rule of ruleNames) {
        const cap = rule[0]!.toUpperCase() + rule.slice(1);
        const impl = self[`visit${cap}`] ?? self[`get${cap}`];
        if (typeof impl === 'function') self[rule] = (children: unknown) => (impl as (c: unknown) => unknown).call(this, children);
      }
      this.validateVisitor();
    }

    // ── Helpers ─────────────────────────────────────────────────────────────

    /** Marks recovered subtrees (see header); returns whether `node` is broken. */
    markBroken(node: CstNode): boolean {
      let bad = node.recoveredNode === true;
      for (const list of Object.values(node.children)) {
        for (const child of list) {
          if (isToken(child)) {
            if (child.isInsertedInRecovery || (child.tokenType !== EOF && Number.isNaN(child.startOffset))) bad = true;
          } else if (this.markBroken(child) && !ITEM_RULES.has(child.name)) {
            bad = true;
          }
        }
      }
      if (bad) this.broken.add(node);
      return bad;
    }

    /**
     * Is `node` usable? A broken item is dropped, but the stray tokens inside
     * it are still reported: they are mistakes of their own.
     */
    ok(node: CstNode): boolean {
      if (!this.broken.has(node)) return true;
      this.reportJunkInside(node);
      return false;
    }

    reportJunkInside(node: CstNode): void {
      const c = node.children as Record<string, CstElement[] | undefined>;
      if (c['blockJunk'] || c['topJunk']) {
        const lists = Object.values(c).map((l) => (l ?? []).filter((e): e is CstNode => !isToken(e)));
        const items = merged<CstNode>(...lists);
        this.reportJunk(items, (e) => JUNK_RULES.has((e as CstNode).name), JUNK_EXPECTED[node.name] ?? 'something else');
      }
      for (const list of Object.values(c)) {
        for (const child of list ?? []) if (!isToken(child) && !JUNK_RULES.has(child.name)) this.reportJunkInside(child);
      }
    }

    span(start: number, end: number): Span {
      return { file: this.ctx.file, start: this.ctx.base + start, end: this.ctx.base + end };
    }

    tokSpan(t: IToken): Span {
      return this.span(t.startOffset, t.startOffset + t.image.length);
    }

    nodeSpan(n: CstNode): Span {
      const loc = n.location!;
      return this.span(loc.startOffset, (loc.endOffset ?? loc.startOffset) + 1);
    }

    join(a: Span, b: Span): Span {
      return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
    }

    ident(t: IToken): Ident {
      return { kind: 'Ident', span: this.tokSpan(t), name: t.image };
    }

    /** One Q1003 per run of consecutive junk tokens in `items`. */
    reportJunk(items: CstElement[], isJunk: (e: CstElement) => boolean, expected: string): void {
      let inRun = false;
      for (const it of items) {
        if (isJunk(it)) {
          if (!inRun) {
            const tok = this.junkToken(it as CstNode);
            // `a < b < c` parses as `a < b` followed by stray `< c`.
            const hints = (tok.tokenType.CATEGORIES ?? []).includes(CmpOp)
              ? ['comparisons do not chain: write a < b and b < c']
              : [];
            this.diagnostics.push(diag('unexpectedToken', { found: describeFound(tok), expected }, { span: this.tokSpan(tok), hints }));
          }
          inRun = true;
        } else {
          inRun = false;
        }
      }
    }

    junkToken(n: CstNode): IToken {
      const c = n.children as Record<string, IToken[] | undefined>;
      return (c['Opener'] ?? c['AnyToken'] ?? c['NotRCurly'])![0]!;
    }

    // ── Module and declarations ─────────────────────────────────────────────

    visitModule(c: C.ModuleCstChildren): Decl[] {
      const items = merged<CstNode>(c.declaration, c.topJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'topJunk', JUNK_EXPECTED['module']!);
      const decls: Decl[] = [];
      for (const it of items) {
        if (it.name === 'declaration' && this.ok(it)) decls.push(this.visitDeclaration((it as C.DeclarationCstNode).children));
      }
      return decls;
    }

    getTopJunk(c: C.TopJunkCstChildren): IToken {
      return c.AnyToken[0]!;
    }

    getBlockJunk(c: C.BlockJunkCstChildren): IToken {
      return (c.Opener ?? c.NotRCurly)![0]!;
    }

    visitDeclaration(c: C.DeclarationCstChildren): Decl {
      if (c.importDecl) return this.visitImportDecl(c.importDecl[0]!);
      if (c.letDecl) return this.visitLetDecl(c.letDecl[0]!);
      if (c.dimDecl) return this.visitDimDecl(c.dimDecl[0]!);
      if (c.modelDecl) return this.visitModelDecl(c.modelDecl[0]!);
      if (c.dataDecl) return this.visitDataDecl(c.dataDecl[0]!);
      if (c.featuresDecl) return this.visitFeaturesDecl(c.featuresDecl[0]!);
      if (c.valueDecl) return this.visitValueDecl(c.valueDecl[0]!);
      if (c.memoryDecl) return this.visitMemoryDecl(c.memoryDecl[0]!);
      if (c.trainDecl) return this.visitTrainDecl(c.trainDecl[0]!);
      return this.visitStrategyDecl(c.strategyDecl![0]!);
    }

    visitImportDecl(n: C.ImportDeclCstNode): Decl {
      const c = n.children;
      let path: string[];
      let pathSpan: Span;
      if (c.dottedName) {
        const parts = c.dottedName[0]!.children.part;
        path = parts.map((t) => t.image);
        pathSpan = this.nodeSpan(c.dottedName[0]!);
      } else {
        const t = c.path![0]!;
        path = [this.getStringValue(t)];
        pathSpan = this.tokSpan(t);
      }
      const d: Extract<Decl, { kind: 'Import' }> = { kind: 'Import', span: this.nodeSpan(n), path, isPath: !c.dottedName, pathSpan };
      if (c.importItems) d.items = this.getImportItems(c.importItems[0]!.children);
      if (c.alias) d.alias = this.ident(c.alias[0]!);
      return d;
    }

    getDottedName(c: C.DottedNameCstChildren): string[] {
      return c.part.map((t) => t.image);
    }

    getImportItems(c: C.ImportItemsCstChildren): ImportItem[] {
      return c.importItem.map((it) => this.visitImportItem(it));
    }

    visitImportItem(n: C.ImportItemCstNode): ImportItem {
      const c = n.children;
      const item: ImportItem = { span: this.nodeSpan(n), name: this.ident(c.name[0]!) };
      if (c.alias) item.alias = this.ident(c.alias[0]!);
      return item;
    }

    visitDimDecl(n: C.DimDeclCstNode): Decl {
      return { kind: 'DimDecl', span: this.nodeSpan(n), dims: n.children.dimItem.map((d) => this.visitDimItem(d)) };
    }

    visitDimItem(n: C.DimItemCstNode): { span: Span; name: Ident; size?: Expr; doc?: string } {
      const c = n.children;
      const dim: { span: Span; name: Ident; size?: Expr; doc?: string } = { span: this.nodeSpan(n), name: this.ident(c.name[0]!) };
      if (c.expression) dim.size = this.visitExpression(c.expression[0]!);
      if (c.doc) dim.doc = this.getStringValue(c.doc[0]!);
      return dim;
    }

    visitLetDecl(n: C.LetDeclCstNode): Decl {
      const c = n.children;
      return { kind: 'LetDecl', span: this.nodeSpan(n), name: this.ident(c.name[0]!), value: this.visitExpression(c.expression[0]!) };
    }

    visitModelDecl(n: C.ModelDeclCstNode): Decl {
      const c = n.children;
      const items = merged<CstNode>(c.statement, c.blockJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'blockJunk', JUNK_EXPECTED['modelDecl']!);
      const body: Stmt[] = [];
      for (const it of items) if (it.name === 'statement' && this.ok(it)) body.push(this.visitStatement(it as C.StatementCstNode));
      const kind = c.keyword[0]!.image === 'loss' ? 'LossDecl' : 'ModelDecl';
      const d: Extract<Decl, { kind: 'ModelDecl' | 'LossDecl' }> = {
        kind,
        span: this.nodeSpan(n),
        name: this.ident(c.name[0]!),
        params: c.params ? this.getParams(c.params[0]!.children) : [],
        body,
      };
      if (c.returns) d.returns = this.visitTypeExpr(c.returns[0]!);
      return d;
    }

    getParams(c: C.ParamsCstChildren): Param[] {
      return c.param.map((p) => this.visitParam(p));
    }

    visitParam(n: C.ParamCstNode): Param {
      const c = n.children;
      const p: Param = { span: this.nodeSpan(n), name: this.ident(c.name[0]!) };
      if (c.typeExpr) p.type = this.visitTypeExpr(c.typeExpr[0]!);
      if (c.default) p.default = this.visitExpression(c.default[0]!);
      return p;
    }

    visitStatement(n: C.StatementCstNode): Stmt {
      const c = n.children;
      if (c.letStmt) return this.visitLetStmt(c.letStmt[0]!);
      if (c.writeStmt) return this.visitWriteStmt(c.writeStmt[0]!);
      return this.visitReturnStmt(c.returnStmt![0]!);
    }

    visitLetStmt(n: C.LetStmtCstNode): Stmt {
      const c = n.children;
      return { kind: 'Let', span: this.nodeSpan(n), pattern: this.visitPattern(c.pattern[0]!), value: this.visitExpression(c.expression[0]!) };
    }

    visitPattern(n: C.PatternCstNode): Pattern {
      const c = n.children;
      if (c.name) return { kind: 'PatName', span: this.nodeSpan(n), name: this.ident(c.name[0]!) };
      return { kind: 'PatTuple', span: this.nodeSpan(n), items: c.item!.map((t) => this.ident(t)) };
    }

    visitWriteStmt(n: C.WriteStmtCstNode): Stmt {
      const c = n.children;
      return { kind: 'Write', span: this.nodeSpan(n), target: this.ident(c.target[0]!), value: this.visitExpression(c.expression[0]!) };
    }

    visitReturnStmt(n: C.ReturnStmtCstNode): Stmt {
      return { kind: 'Return', span: this.nodeSpan(n), value: this.visitExpression(n.children.expression[0]!) };
    }

    visitDataDecl(n: C.DataDeclCstNode): Decl {
      const c = n.children;
      const items = merged<CstNode>(c.clause, c.blockJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'blockJunk', JUNK_EXPECTED['strategyDecl']!);
      const clauses: Clause[] = [];
      for (const it of items) if (it.name === 'clause' && this.ok(it)) clauses.push(this.visitClause(it as C.ClauseCstNode));
      return { kind: 'DataDecl', span: this.nodeSpan(n), name: this.ident(c.name[0]!), source: this.visitExpression(c.source[0]!), clauses };
    }

    visitClause(n: C.ClauseCstNode): Clause {
      const c = n.children;
      let body: ClauseBody;
      if (c.clauseEntries) {
        body = { kind: 'EntriesBody', entries: this.getClauseEntries(c.clauseEntries[0]!.children) };
      } else if (c.defName) {
        body = { kind: 'DefBody', name: this.ident(c.defName[0]!), value: this.visitExpression(c.defValue![0]!) };
      } else {
        const v: Extract<ClauseBody, { kind: 'ValueBody' }> = { kind: 'ValueBody', value: this.visitExpression(c.value![0]!) };
        if (c.alias) v.alias = this.ident(c.alias[0]!);
        if (c.settings) v.settings = this.visitRecord(c.settings[0]!);
        body = v;
      }
      return { span: this.nodeSpan(n), head: this.ident(c.head[0]!), body };
    }

    getClauseEntries(c: C.ClauseEntriesCstChildren): RecordEntry[] {
      return c.recordEntry.filter((e) => this.ok(e)).map((e) => this.visitRecordEntry(e));
    }

    visitStrategyDecl(n: C.StrategyDeclCstNode): Decl {
      const c = n.children;
      const items = merged<CstNode>(c.clause, c.trainClause, c.blockJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'blockJunk', JUNK_EXPECTED['dataDecl']!);
      const clauses: (Clause | TrainClause)[] = [];
      for (const it of items) {
        if (!this.ok(it)) continue;
        if (it.name === 'clause') clauses.push(this.visitClause(it as C.ClauseCstNode));
        else if (it.name === 'trainClause') clauses.push(this.visitTrainClause(it as C.TrainClauseCstNode));
      }
      return { kind: 'StrategyDecl', span: this.nodeSpan(n), name: this.ident(c.name[0]!), clauses };
    }

    visitTrainClause(n: C.TrainClauseCstNode): TrainClause {
      const c = n.children;
      return { kind: 'TrainClause', span: this.nodeSpan(n), head: this.ident(c.head[0]!), body: this.visitTrainBody(c.trainBody[0]!) };
    }

    visitTrainDecl(n: C.TrainDeclCstNode): Decl {
      const c = n.children;
      return { kind: 'TrainDecl', span: this.nodeSpan(n), name: this.ident(c.name[0]!), body: this.visitTrainBody(c.trainBody[0]!) };
    }

    visitTrainBody(n: C.TrainBodyCstNode): TrainBody {
      const c = n.children;
      const items = merged<CstNode>(c.stage, c.recordEntry, c.blockJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'blockJunk', JUNK_EXPECTED['trainBody']!);
      const out: (RecordEntry | Stage)[] = [];
      for (const it of items) {
        if (!this.ok(it)) continue;
        if (it.name === 'stage') out.push(this.visitStage(it as C.StageCstNode));
        else if (it.name === 'recordEntry') out.push(this.visitRecordEntry(it as C.RecordEntryCstNode));
      }
      return { kind: 'TrainBody', span: this.nodeSpan(n), items: out };
    }

    visitStage(n: C.StageCstNode): Stage {
      const c = n.children;
      return { kind: 'Stage', span: this.nodeSpan(n), name: this.ident(c.name[0]!), settings: this.visitRecord(c.record[0]!) };
    }

    visitFeaturesDecl(n: C.FeaturesDeclCstNode): Decl {
      const c = n.children;
      const items = merged<CstNode>(c.featureDef, c.blockJunk);
      this.reportJunk(items, (e) => (e as CstNode).name === 'blockJunk', JUNK_EXPECTED['featuresDecl']!);
      const defs: FeatureDef[] = [];
      for (const it of items) if (it.name === 'featureDef' && this.ok(it)) defs.push(this.visitFeatureDef(it as C.FeatureDefCstNode));
      return {
        kind: 'FeaturesDecl',
        span: this.nodeSpan(n),
        name: this.ident(c.name[0]!),
        args: c.callArgs ? this.getCallArgs(c.callArgs[0]!.children) : [],
        defs,
      };
    }

    visitFeatureDef(n: C.FeatureDefCstNode): FeatureDef {
      const c = n.children;
      const name = this.getFeatureName(c.featureName[0]!.children);
      const def: FeatureDef = { span: this.nodeSpan(n), name, nameSpan: this.nodeSpan(c.featureName[0]!), value: this.visitExpression(c.value[0]!) };
      if (c.For) {
        const list = this.visitExpression(c.list![0]!);
        def.for = { var: this.ident(c.var![0]!), in: list, span: this.join(this.tokSpan(c.For[0]!), list.span) };
      }
      return def;
    }

    /** `ROC{d}` → [{text: 'ROC'}, {var: d}]: a part right after `{` is a variable. */
    getFeatureName(c: C.FeatureNameCstChildren): FeatureDef['name'] {
      const parts: FeatureDef['name'] = [];
      let afterCurly = false;
      for (const t of merged<IToken>(c.part, c.LCurly, c.RCurly)) {
        if (t.image === '{') afterCurly = true;
        else if (t.image === '}') afterCurly = false;
        else parts.push(afterCurly ? { var: this.ident(t) } : { text: t.image });
      }
      return parts;
    }

    visitValueDecl(n: C.ValueDeclCstNode): Decl {
      const c = n.children;
      const kw = c.keyword[0]!.image;
      const kind = kw === 'graph' ? 'GraphDecl' : kw === 'schedule' ? 'ScheduleDecl' : 'EnvDecl';
      return { kind, span: this.nodeSpan(n), name: this.ident(c.name[0]!), value: this.visitExpression(c.expression[0]!) };
    }

    visitMemoryDecl(n: C.MemoryDeclCstNode): Decl {
      const c = n.children;
      const d: Extract<Decl, { kind: 'MemoryDecl' }> = {
        kind: 'MemoryDecl',
        span: this.nodeSpan(n),
        name: this.ident(c.name[0]!),
        type: this.visitTypeExpr(c.typeExpr[0]!),
      };
      if (c.settings) d.settings = this.visitRecord(c.settings[0]!);
      return d;
    }

    // ── Types ───────────────────────────────────────────────────────────────

    visitTypeExpr(n: C.TypeExprCstNode): TypeExpr {
      const c = n.children;
      if (c.recordTypeField) {
        return { kind: 'RecordType', span: this.nodeSpan(n), fields: c.recordTypeField.map((f) => this.getRecordTypeField(f.children)) };
      }
      const name = this.ident(c.name![0]!);
      if (c.axis) return { kind: 'TensorType', span: this.nodeSpan(n), name, axes: c.axis.map((a) => this.visitAxis(a)) };
      return { kind: 'NamedType', span: this.nodeSpan(n), name };
    }

    getRecordTypeField(c: C.RecordTypeFieldCstChildren): { name: Ident; type: TypeExpr } {
      return { name: this.ident(c.name[0]!), type: this.visitTypeExpr(c.typeExpr[0]!) };
    }

    visitAxis(n: C.AxisCstNode): AxisSpec {
      const c = n.children;
      if (c.Ellipsis) return { kind: 'AxisRest', span: this.nodeSpan(n) };
      const a: Extract<AxisSpec, { kind: 'AxisName' }> = { kind: 'AxisName', span: this.nodeSpan(n), name: this.ident(c.name![0]!) };
      if (c.size) a.size = this.visitExpression(c.size[0]!);
      return a;
    }

    // ── Expressions ─────────────────────────────────────────────────────────

    visitExpressionOnly(c: C.ExpressionOnlyCstChildren): Expr {
      return this.visitExpression(c.expression[0]!);
    }

    visitExpression(n: C.ExpressionCstNode): Expr {
      const c = n.children;
      if (c.ifExpr) return this.visitIfExpr(c.ifExpr[0]!);
      return this.visitPipeExpr(c.pipeExpr![0]!);
    }

    visitIfExpr(n: C.IfExprCstNode): Expr {
      const c = n.children;
      return {
        kind: 'If',
        span: this.nodeSpan(n),
        cond: this.visitExpression(c.cond[0]!),
        then: this.visitExpression(c.then[0]!),
        else: this.visitExpression(c.else[0]!),
      };
    }

    visitPipeExpr(n: C.PipeExprCstNode): Expr {
      const ops = n.children.operand.map((o) => this.visitOrExpr(o));
      return ops.slice(1).reduce<Expr>((left, right) => ({ kind: 'Pipe', span: this.join(left.span, right.span), left, right }), ops[0]!);
    }

    /** Folds `operand (op operand)*` to the left. */
    binaryChain(operands: Expr[], ops: IToken[] | undefined): Expr {
      let left = operands[0]!;
      for (let i = 1; i < operands.length; i++) {
        const right = operands[i]!;
        left = { kind: 'Binary', span: this.join(left.span, right.span), op: ops![i - 1]!.image as BinaryOp, left, right };
      }
      return left;
    }

    visitOrExpr(n: C.OrExprCstNode): Expr {
      return this.binaryChain(n.children.operand.map((o) => this.visitAndExpr(o)), n.children.op);
    }

    visitAndExpr(n: C.AndExprCstNode): Expr {
      return this.binaryChain(n.children.operand.map((o) => this.visitNotExpr(o)), n.children.op);
    }

    visitNotExpr(n: C.NotExprCstNode): Expr {
      const c = n.children;
      if (c.Not) {
        const operand = this.visitNotExpr(c.notExpr![0]!);
        return { kind: 'Unary', span: this.join(this.tokSpan(c.Not[0]!), operand.span), op: 'not', operand };
      }
      return this.visitCmpExpr(c.cmpExpr![0]!);
    }

    visitCmpExpr(n: C.CmpExprCstNode): Expr {
      return this.binaryChain(n.children.operand.map((o) => this.visitRangeExpr(o)), n.children.op);
    }

    visitRangeExpr(n: C.RangeExprCstNode): Expr {
      const ops = n.children.operand.map((o) => this.visitAddExpr(o));
      if (ops.length === 1) return ops[0]!;
      return { kind: 'Range', span: this.join(ops[0]!.span, ops[1]!.span), from: ops[0]!, to: ops[1]! };
    }

    visitAddExpr(n: C.AddExprCstNode): Expr {
      return this.binaryChain(n.children.operand.map((o) => this.visitMulExpr(o)), n.children.op);
    }

    visitMulExpr(n: C.MulExprCstNode): Expr {
      return this.binaryChain(n.children.operand.map((o) => this.visitUnaryExpr(o)), n.children.op);
    }

    visitUnaryExpr(n: C.UnaryExprCstNode): Expr {
      const c = n.children;
      if (c.op) {
        const operand = this.visitUnaryExpr(c.unaryExpr![0]!);
        return { kind: 'Unary', span: this.join(this.tokSpan(c.op[0]!), operand.span), op: c.op[0]!.image as '-' | '+', operand };
      }
      return this.visitPowExpr(c.powExpr![0]!);
    }

    visitPowExpr(n: C.PowExprCstNode): Expr {
      const c = n.children;
      const base = this.visitPostfixExpr(c.base[0]!);
      if (!c.exponent) return base;
      const right = this.visitUnaryExpr(c.exponent[0]!);
      return { kind: 'Binary', span: this.join(base.span, right.span), op: '^', left: base, right };
    }

    visitPostfixExpr(n: C.PostfixExprCstNode): Expr {
      const c = n.children;
      let e = this.visitPrimary(c.primary[0]!);
      for (const post of merged<CstNode>(c.member, c.callArgs)) {
        if (post.name === 'member') {
          const name = this.getMember((post as C.MemberCstNode).children);
          e = { kind: 'Member', span: this.join(e.span, name.span), object: e, name };
        } else {
          const args = this.getCallArgs((post as C.CallArgsCstNode).children);
          e = { kind: 'Call', span: this.join(e.span, this.nodeSpan(post)), callee: e, args };
        }
      }
      return e;
    }

    getMember(c: C.MemberCstChildren): Ident {
      return this.ident(c.name[0]!);
    }

    /** Arguments, checked for Q1009 (positional after named) and Q1008 (a name twice). */
    getCallArgs(c: C.CallArgsCstChildren): Arg[] {
      const args = (c.arg ?? []).map((a) => this.getArg(a));
      const seen = new Set<string>();
      let named = false;
      for (const a of args) {
        if (a.name) {
          named = true;
          if (seen.has(a.name.name)) this.diagnostics.push(diag('duplicateNamedArgument', { name: a.name.name }, { span: a.name.span }));
          seen.add(a.name.name);
        } else if (named) {
          this.diagnostics.push(diag('positionalAfterNamed', {}, { span: a.span }));
        }
      }
      return args;
    }

    getArg(n: C.ArgCstNode): Arg {
      const c = n.children;
      const a: Arg = { value: this.visitExpression(c.expression[0]!), span: this.nodeSpan(n) };
      if (c.name) a.name = this.ident(c.name[0]!);
      return a;
    }

    visitPrimary(n: C.PrimaryCstNode): Expr {
      const c = n.children;
      if (c.NumberLit) return this.getNumber(c.NumberLit[0]!);
      if (c.StringLit) {
        const t = c.StringLit[0]!;
        return { kind: 'String', span: this.tokSpan(t), value: this.getStringValue(t) };
      }
      if (c.TaggedString) {
        const t = c.TaggedString[0]!;
        const p = t.payload as StringPayload;
        return { kind: 'TaggedString', span: this.tokSpan(t), tag: p.tag, value: this.getStringValue(t), contentStart: this.ctx.base + p.contentStart };
      }
      if (c.True) return { kind: 'Bool', span: this.tokSpan(c.True[0]!), value: true };
      if (c.False) return { kind: 'Bool', span: this.tokSpan(c.False[0]!), value: false };
      if (c.DateLit) {
        const t = c.DateLit[0]!;
        if (!isCalendarDate(t.image)) this.diagnostics.push(diag('invalidDate', { text: t.image }, { span: this.tokSpan(t) }));
        return { kind: 'Date', span: this.tokSpan(t), value: t.image };
      }
      if (c.Identifier) {
        const t = c.Identifier[0]!;
        return { kind: 'Name', span: this.tokSpan(t), name: t.image };
      }
      if (c.Field) {
        const t = c.Field[0]!;
        const pit = t.image.startsWith('$$');
        return { kind: 'Field', span: this.tokSpan(t), name: t.image.slice(pit ? 2 : 1), pit };
      }
      if (c.parenExpr) return this.visitParenExpr(c.parenExpr[0]!);
      if (c.listExpr) return this.visitListExpr(c.listExpr[0]!);
      return this.visitRecord(c.record![0]!);
    }

    /** A number literal; Q1006 when its text is malformed or its value not representable. */
    getNumber(t: IToken): Expr {
      const text = t.image;
      const isInt = /^\d+$/.test(text);
      let value = Number(text);
      const valid = NUMBER_RE.test(text) && Number.isFinite(value) && (!isInt || Number.isSafeInteger(value));
      if (!valid) {
        this.diagnostics.push(diag('invalidNumber', { text }, { span: this.tokSpan(t) }));
        value = 0;
      }
      return { kind: 'Number', span: this.tokSpan(t), value, text, isInt };
    }

    /** The value of a (tagged) string token: raw for `"""`, escapes decoded otherwise (Q1010 on unknown ones). */
    getStringValue(t: IToken): string {
      const p = t.payload as StringPayload;
      const content = this.ctx.text.slice(p.contentStart, p.contentEnd);
      if (p.triple || !content.includes('\\')) return content;
      let out = '';
      for (let i = 0; i < content.length; i++) {
        const ch = content[i]!;
        if (ch !== '\\' || i + 1 >= content.length) {
          out += ch;
          continue;
        }
        const next = content[++i]!;
        if (next === '"' || next === '\\') out += next;
        else if (next === 'n') out += '\n';
        else if (next === 't') out += '\t';
        else {
          const at = p.contentStart + i - 1;
          this.diagnostics.push(diag('invalidEscape', { text: `\\${next}` }, { span: this.span(at, at + 2) }));
          out += `\\${next}`;
        }
      }
      return out;
    }

    visitParenExpr(n: C.ParenExprCstNode): Expr {
      const c = n.children;
      const span = this.nodeSpan(n);
      if (c.recordEntry) {
        return { kind: 'NamedTuple', span, entries: c.recordEntry.filter((e) => this.ok(e)).map((e) => this.visitRecordEntry(e)) };
      }
      const items = c.expression!.map((e) => this.visitExpression(e));
      if (items.length === 1) return { kind: 'Paren', span, expr: items[0]! };
      return { kind: 'Tuple', span, items };
    }

    visitListExpr(n: C.ListExprCstNode): Expr {
      return { kind: 'List', span: this.nodeSpan(n), items: (n.children.expression ?? []).map((e) => this.visitExpression(e)) };
    }

    visitRecord(n: C.RecordCstNode): RecordLike {
      const entries = (n.children.recordEntry ?? []).filter((e) => this.ok(e)).map((e) => this.visitRecordEntry(e));
      return { kind: 'Record', span: this.nodeSpan(n), entries };
    }

    visitRecordEntry(n: C.RecordEntryCstNode): RecordEntry {
      const c = n.children;
      return { key: this.ident(c.key[0]!), value: this.visitExpression(c.expression[0]!), span: this.nodeSpan(n) };
    }
  };
}

type ToAstVisitor = InstanceType<ReturnType<typeof makeVisitorClass>>;
let visitorClass: ReturnType<typeof makeVisitorClass> | undefined;

function visitor(ctx: ToAstContext): ToAstVisitor {
  visitorClass ??= makeVisitorClass();
  return new visitorClass(ctx);
}

/** The declarations of a module CST, plus the diagnostics found while converting. */
export function moduleToAst(cst: CstNode, ctx: ToAstContext, recovered: boolean): { decls: Decl[]; diagnostics: Diagnostic[] } {
  const v = visitor(ctx);
  // Without a parse error nothing was recovered: skip the walk.
  if (recovered) v.markBroken(cst);
  const decls = v.visitModule((cst as C.ModuleCstNode).children);
  return { decls, diagnostics: v.diagnostics };
}

/** The expression of an `expressionOnly` CST (undefined when it could not be recovered). */
export function expressionToAst(cst: CstNode, ctx: ToAstContext, recovered: boolean): { expr: Expr | undefined; diagnostics: Diagnostic[] } {
  const v = visitor(ctx);
  if (recovered && v.markBroken(cst)) return { expr: undefined, diagnostics: v.diagnostics };
  return { expr: v.visitExpressionOnly((cst as C.ExpressionOnlyCstNode).children), diagnostics: v.diagnostics };
}

/** Comments for Module.comments; `ownLine` when only whitespace precedes one on its line. */
export function commentsOf(comments: IToken[], ctx: ToAstContext): Comment[] {
  return comments.map((t) => {
    let i = t.startOffset - 1;
    while (i >= 0 && (ctx.text[i] === ' ' || ctx.text[i] === '\t' || ctx.text[i] === '\uFEFF')) i--;
    const ownLine = i < 0 || ctx.text[i] === '\n' || ctx.text[i] === '\r';
    return {
      span: { file: ctx.file, start: ctx.base + t.startOffset, end: ctx.base + t.startOffset + t.image.length },
      text: t.image,
      ownLine,
    };
  });
}
