// CST node types for the Quiver grammar (generated: do not edit).
//
// Produced by grammar/gen-cst-dts.ts from parser.ts with chevrotain's
// generateCstDts; test/grammar/cst-dts.test.ts checks it is up to date.
// The CST never leaves grammar/: to-ast.ts turns it into the AST.

import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface TypeExprCstNode extends CstNode {
  name: "typeExpr";
  children: TypeExprCstChildren;
}

export type TypeExprCstChildren = {
  LParen?: IToken[];
  recordTypeField?: (RecordTypeFieldCstNode)[];
  Comma?: (IToken)[];
  RParen?: IToken[];
  name?: IToken[];
  LBracket?: IToken[];
  axis?: (AxisCstNode)[];
  RBracket?: IToken[];
};

export interface RecordTypeFieldCstNode extends CstNode {
  name: "recordTypeField";
  children: RecordTypeFieldCstChildren;
}

export type RecordTypeFieldCstChildren = {
  name: IToken[];
  Colon: IToken[];
  typeExpr: TypeExprCstNode[];
};

export interface AxisCstNode extends CstNode {
  name: "axis";
  children: AxisCstChildren;
}

export type AxisCstChildren = {
  Ellipsis?: IToken[];
  name?: IToken[];
  Equals?: IToken[];
  size?: ExpressionCstNode[];
};

export interface ExpressionOnlyCstNode extends CstNode {
  name: "expressionOnly";
  children: ExpressionOnlyCstChildren;
}

export type ExpressionOnlyCstChildren = {
  expression: ExpressionCstNode[];
  EOF: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  ifExpr?: IfExprCstNode[];
  pipeExpr?: PipeExprCstNode[];
};

export interface IfExprCstNode extends CstNode {
  name: "ifExpr";
  children: IfExprCstChildren;
}

export type IfExprCstChildren = {
  If: IToken[];
  cond: ExpressionCstNode[];
  Then: IToken[];
  then: ExpressionCstNode[];
  Else: IToken[];
  else: ExpressionCstNode[];
};

export interface PipeExprCstNode extends CstNode {
  name: "pipeExpr";
  children: PipeExprCstChildren;
}

export type PipeExprCstChildren = {
  operand: (OrExprCstNode)[];
  Pipe?: IToken[];
};

export interface OrExprCstNode extends CstNode {
  name: "orExpr";
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  operand: (AndExprCstNode)[];
  op?: (IToken)[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  operand: (NotExprCstNode)[];
  op?: (IToken)[];
};

export interface NotExprCstNode extends CstNode {
  name: "notExpr";
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  Not?: IToken[];
  notExpr?: NotExprCstNode[];
  cmpExpr?: CmpExprCstNode[];
};

export interface CmpExprCstNode extends CstNode {
  name: "cmpExpr";
  children: CmpExprCstChildren;
}

export type CmpExprCstChildren = {
  operand: (RangeExprCstNode)[];
  op?: IToken[];
};

export interface RangeExprCstNode extends CstNode {
  name: "rangeExpr";
  children: RangeExprCstChildren;
}

export type RangeExprCstChildren = {
  operand: (AddExprCstNode)[];
  DotDot?: IToken[];
};

export interface AddExprCstNode extends CstNode {
  name: "addExpr";
  children: AddExprCstChildren;
}

export type AddExprCstChildren = {
  operand: (MulExprCstNode)[];
  op?: IToken[];
};

export interface MulExprCstNode extends CstNode {
  name: "mulExpr";
  children: MulExprCstChildren;
}

export type MulExprCstChildren = {
  operand: (UnaryExprCstNode)[];
  op?: IToken[];
};

export interface UnaryExprCstNode extends CstNode {
  name: "unaryExpr";
  children: UnaryExprCstChildren;
}

export type UnaryExprCstChildren = {
  op?: IToken[];
  unaryExpr?: UnaryExprCstNode[];
  powExpr?: PowExprCstNode[];
};

export interface PowExprCstNode extends CstNode {
  name: "powExpr";
  children: PowExprCstChildren;
}

export type PowExprCstChildren = {
  base: PostfixExprCstNode[];
  Caret?: IToken[];
  exponent?: UnaryExprCstNode[];
};

export interface PostfixExprCstNode extends CstNode {
  name: "postfixExpr";
  children: PostfixExprCstChildren;
}

export type PostfixExprCstChildren = {
  primary: PrimaryCstNode[];
  member?: MemberCstNode[];
  callArgs?: CallArgsCstNode[];
};

export interface MemberCstNode extends CstNode {
  name: "member";
  children: MemberCstChildren;
}

export type MemberCstChildren = {
  Dot: IToken[];
  name: IToken[];
};

export interface CallArgsCstNode extends CstNode {
  name: "callArgs";
  children: CallArgsCstChildren;
}

export type CallArgsCstChildren = {
  LParen: IToken[];
  arg?: (ArgCstNode)[];
  Comma?: (IToken)[];
  RParen: IToken[];
};

export interface ArgCstNode extends CstNode {
  name: "arg";
  children: ArgCstChildren;
}

export type ArgCstChildren = {
  name?: IToken[];
  Colon?: IToken[];
  expression: ExpressionCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  NumberLit?: IToken[];
  StringLit?: IToken[];
  TaggedString?: IToken[];
  True?: IToken[];
  False?: IToken[];
  DateLit?: IToken[];
  Identifier?: IToken[];
  Field?: IToken[];
  parenExpr?: ParenExprCstNode[];
  listExpr?: ListExprCstNode[];
  record?: RecordCstNode[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen: IToken[];
  recordEntry?: (RecordEntryCstNode)[];
  Comma?: (IToken)[];
  expression?: (ExpressionCstNode)[];
  RParen: IToken[];
};

export interface ListExprCstNode extends CstNode {
  name: "listExpr";
  children: ListExprCstChildren;
}

export type ListExprCstChildren = {
  LBracket: IToken[];
  expression?: (ExpressionCstNode)[];
  Comma?: (IToken)[];
  RBracket: IToken[];
};

export interface RecordCstNode extends CstNode {
  name: "record";
  children: RecordCstChildren;
}

export type RecordCstChildren = {
  LCurly: IToken[];
  recordEntry?: RecordEntryCstNode[];
  Comma?: IToken[];
  RCurly: IToken[];
};

export interface RecordEntryCstNode extends CstNode {
  name: "recordEntry";
  children: RecordEntryCstChildren;
}

export type RecordEntryCstChildren = {
  key: IToken[];
  Colon: IToken[];
  expression: ExpressionCstNode[];
};

export interface ModuleCstNode extends CstNode {
  name: "module";
  children: ModuleCstChildren;
}

export type ModuleCstChildren = {
  declaration?: DeclarationCstNode[];
  topJunk?: TopJunkCstNode[];
};

export interface TopJunkCstNode extends CstNode {
  name: "topJunk";
  children: TopJunkCstChildren;
}

export type TopJunkCstChildren = {
  AnyToken: IToken[];
};

export interface BlockJunkCstNode extends CstNode {
  name: "blockJunk";
  children: BlockJunkCstChildren;
}

export type BlockJunkCstChildren = {
  Opener?: IToken[];
  AnyToken?: IToken[];
  Closer?: IToken[];
  NotRCurly?: IToken[];
};

export interface DeclarationCstNode extends CstNode {
  name: "declaration";
  children: DeclarationCstChildren;
}

export type DeclarationCstChildren = {
  importDecl?: ImportDeclCstNode[];
  letDecl?: LetDeclCstNode[];
  dimDecl?: DimDeclCstNode[];
  modelDecl?: ModelDeclCstNode[];
  dataDecl?: DataDeclCstNode[];
  featuresDecl?: FeaturesDeclCstNode[];
  valueDecl?: ValueDeclCstNode[];
  memoryDecl?: MemoryDeclCstNode[];
  trainDecl?: TrainDeclCstNode[];
  strategyDecl?: StrategyDeclCstNode[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  Import: IToken[];
  dottedName?: DottedNameCstNode[];
  path?: IToken[];
  importItems?: ImportItemsCstNode[];
  As?: IToken[];
  alias?: IToken[];
};

export interface DottedNameCstNode extends CstNode {
  name: "dottedName";
  children: DottedNameCstChildren;
}

export type DottedNameCstChildren = {
  part: (IToken)[];
  Dot?: IToken[];
};

export interface ImportItemsCstNode extends CstNode {
  name: "importItems";
  children: ImportItemsCstChildren;
}

export type ImportItemsCstChildren = {
  LCurly: IToken[];
  importItem: (ImportItemCstNode)[];
  Comma?: (IToken)[];
  RCurly: IToken[];
};

export interface ImportItemCstNode extends CstNode {
  name: "importItem";
  children: ImportItemCstChildren;
}

export type ImportItemCstChildren = {
  name: IToken[];
  As?: IToken[];
  alias?: IToken[];
};

export interface DimDeclCstNode extends CstNode {
  name: "dimDecl";
  children: DimDeclCstChildren;
}

export type DimDeclCstChildren = {
  keyword: IToken[];
  dimItem: (DimItemCstNode)[];
  Comma?: IToken[];
};

export interface DimItemCstNode extends CstNode {
  name: "dimItem";
  children: DimItemCstChildren;
}

export type DimItemCstChildren = {
  name: IToken[];
  Equals?: IToken[];
  expression?: ExpressionCstNode[];
  doc?: IToken[];
};

export interface LetDeclCstNode extends CstNode {
  name: "letDecl";
  children: LetDeclCstChildren;
}

export type LetDeclCstChildren = {
  Let: IToken[];
  name: IToken[];
  Equals: IToken[];
  expression: ExpressionCstNode[];
};

export interface ModelDeclCstNode extends CstNode {
  name: "modelDecl";
  children: ModelDeclCstChildren;
}

export type ModelDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  LParen: IToken[];
  params?: ParamsCstNode[];
  RParen: IToken[];
  Arrow?: IToken[];
  returns?: TypeExprCstNode[];
  LCurly: IToken[];
  statement?: StatementCstNode[];
  blockJunk?: BlockJunkCstNode[];
  RCurly: IToken[];
};

export interface ParamsCstNode extends CstNode {
  name: "params";
  children: ParamsCstChildren;
}

export type ParamsCstChildren = {
  param: (ParamCstNode)[];
  Comma?: (IToken)[];
};

export interface ParamCstNode extends CstNode {
  name: "param";
  children: ParamCstChildren;
}

export type ParamCstChildren = {
  name: IToken[];
  Colon?: IToken[];
  typeExpr?: TypeExprCstNode[];
  Equals?: IToken[];
  default?: ExpressionCstNode[];
};

export interface StatementCstNode extends CstNode {
  name: "statement";
  children: StatementCstChildren;
}

export type StatementCstChildren = {
  letStmt?: LetStmtCstNode[];
  writeStmt?: WriteStmtCstNode[];
  returnStmt?: ReturnStmtCstNode[];
};

export interface LetStmtCstNode extends CstNode {
  name: "letStmt";
  children: LetStmtCstChildren;
}

export type LetStmtCstChildren = {
  Let: IToken[];
  pattern: PatternCstNode[];
  Equals: IToken[];
  expression: ExpressionCstNode[];
};

export interface PatternCstNode extends CstNode {
  name: "pattern";
  children: PatternCstChildren;
}

export type PatternCstChildren = {
  name?: IToken[];
  LParen?: IToken[];
  item?: (IToken)[];
  Comma?: (IToken)[];
  RParen?: IToken[];
};

export interface WriteStmtCstNode extends CstNode {
  name: "writeStmt";
  children: WriteStmtCstChildren;
}

export type WriteStmtCstChildren = {
  Write: IToken[];
  target: IToken[];
  LArrow: IToken[];
  expression: ExpressionCstNode[];
};

export interface ReturnStmtCstNode extends CstNode {
  name: "returnStmt";
  children: ReturnStmtCstChildren;
}

export type ReturnStmtCstChildren = {
  Return: IToken[];
  expression: ExpressionCstNode[];
};

export interface DataDeclCstNode extends CstNode {
  name: "dataDecl";
  children: DataDeclCstChildren;
}

export type DataDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  Equals: IToken[];
  source: ExpressionCstNode[];
  LCurly: IToken[];
  clause?: ClauseCstNode[];
  blockJunk?: BlockJunkCstNode[];
  RCurly: IToken[];
};

export interface ClauseCstNode extends CstNode {
  name: "clause";
  children: ClauseCstChildren;
}

export type ClauseCstChildren = {
  head: IToken[];
  clauseEntries?: ClauseEntriesCstNode[];
  defName?: IToken[];
  Equals?: IToken[];
  defValue?: ExpressionCstNode[];
  value?: ExpressionCstNode[];
  As?: IToken[];
  alias?: IToken[];
  settings?: RecordCstNode[];
};

export interface ClauseEntriesCstNode extends CstNode {
  name: "clauseEntries";
  children: ClauseEntriesCstChildren;
}

export type ClauseEntriesCstChildren = {
  recordEntry: (RecordEntryCstNode)[];
  Comma?: IToken[];
};

export interface StrategyDeclCstNode extends CstNode {
  name: "strategyDecl";
  children: StrategyDeclCstChildren;
}

export type StrategyDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  LCurly: IToken[];
  trainClause?: TrainClauseCstNode[];
  clause?: ClauseCstNode[];
  blockJunk?: BlockJunkCstNode[];
  RCurly: IToken[];
};

export interface TrainClauseCstNode extends CstNode {
  name: "trainClause";
  children: TrainClauseCstChildren;
}

export type TrainClauseCstChildren = {
  head: IToken[];
  trainBody: TrainBodyCstNode[];
};

export interface TrainDeclCstNode extends CstNode {
  name: "trainDecl";
  children: TrainDeclCstChildren;
}

export type TrainDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  trainBody: TrainBodyCstNode[];
};

export interface TrainBodyCstNode extends CstNode {
  name: "trainBody";
  children: TrainBodyCstChildren;
}

export type TrainBodyCstChildren = {
  LCurly: IToken[];
  stage?: StageCstNode[];
  recordEntry?: RecordEntryCstNode[];
  blockJunk?: BlockJunkCstNode[];
  Comma?: IToken[];
  RCurly: IToken[];
};

export interface StageCstNode extends CstNode {
  name: "stage";
  children: StageCstChildren;
}

export type StageCstChildren = {
  keyword: IToken[];
  name: IToken[];
  record: RecordCstNode[];
};

export interface FeaturesDeclCstNode extends CstNode {
  name: "featuresDecl";
  children: FeaturesDeclCstChildren;
}

export type FeaturesDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  callArgs?: CallArgsCstNode[];
  LCurly: IToken[];
  featureDef?: FeatureDefCstNode[];
  blockJunk?: BlockJunkCstNode[];
  RCurly: IToken[];
};

export interface FeatureDefCstNode extends CstNode {
  name: "featureDef";
  children: FeatureDefCstChildren;
}

export type FeatureDefCstChildren = {
  featureName: FeatureNameCstNode[];
  Equals: IToken[];
  value: ExpressionCstNode[];
  For?: IToken[];
  var?: IToken[];
  In?: IToken[];
  list?: ExpressionCstNode[];
};

export interface FeatureNameCstNode extends CstNode {
  name: "featureName";
  children: FeatureNameCstChildren;
}

export type FeatureNameCstChildren = {
  part: (IToken)[];
  LCurly?: IToken[];
  RCurly?: IToken[];
};

export interface ValueDeclCstNode extends CstNode {
  name: "valueDecl";
  children: ValueDeclCstChildren;
}

export type ValueDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  Equals: IToken[];
  expression: ExpressionCstNode[];
};

export interface MemoryDeclCstNode extends CstNode {
  name: "memoryDecl";
  children: MemoryDeclCstChildren;
}

export type MemoryDeclCstChildren = {
  keyword: IToken[];
  name: IToken[];
  Colon: IToken[];
  typeExpr: TypeExprCstNode[];
  settings?: RecordCstNode[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  typeExpr(children: TypeExprCstChildren, param?: IN): OUT;
  recordTypeField(children: RecordTypeFieldCstChildren, param?: IN): OUT;
  axis(children: AxisCstChildren, param?: IN): OUT;
  expressionOnly(children: ExpressionOnlyCstChildren, param?: IN): OUT;
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  ifExpr(children: IfExprCstChildren, param?: IN): OUT;
  pipeExpr(children: PipeExprCstChildren, param?: IN): OUT;
  orExpr(children: OrExprCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  notExpr(children: NotExprCstChildren, param?: IN): OUT;
  cmpExpr(children: CmpExprCstChildren, param?: IN): OUT;
  rangeExpr(children: RangeExprCstChildren, param?: IN): OUT;
  addExpr(children: AddExprCstChildren, param?: IN): OUT;
  mulExpr(children: MulExprCstChildren, param?: IN): OUT;
  unaryExpr(children: UnaryExprCstChildren, param?: IN): OUT;
  powExpr(children: PowExprCstChildren, param?: IN): OUT;
  postfixExpr(children: PostfixExprCstChildren, param?: IN): OUT;
  member(children: MemberCstChildren, param?: IN): OUT;
  callArgs(children: CallArgsCstChildren, param?: IN): OUT;
  arg(children: ArgCstChildren, param?: IN): OUT;
  primary(children: PrimaryCstChildren, param?: IN): OUT;
  parenExpr(children: ParenExprCstChildren, param?: IN): OUT;
  listExpr(children: ListExprCstChildren, param?: IN): OUT;
  record(children: RecordCstChildren, param?: IN): OUT;
  recordEntry(children: RecordEntryCstChildren, param?: IN): OUT;
  module(children: ModuleCstChildren, param?: IN): OUT;
  topJunk(children: TopJunkCstChildren, param?: IN): OUT;
  blockJunk(children: BlockJunkCstChildren, param?: IN): OUT;
  declaration(children: DeclarationCstChildren, param?: IN): OUT;
  importDecl(children: ImportDeclCstChildren, param?: IN): OUT;
  dottedName(children: DottedNameCstChildren, param?: IN): OUT;
  importItems(children: ImportItemsCstChildren, param?: IN): OUT;
  importItem(children: ImportItemCstChildren, param?: IN): OUT;
  dimDecl(children: DimDeclCstChildren, param?: IN): OUT;
  dimItem(children: DimItemCstChildren, param?: IN): OUT;
  letDecl(children: LetDeclCstChildren, param?: IN): OUT;
  modelDecl(children: ModelDeclCstChildren, param?: IN): OUT;
  params(children: ParamsCstChildren, param?: IN): OUT;
  param(children: ParamCstChildren, param?: IN): OUT;
  statement(children: StatementCstChildren, param?: IN): OUT;
  letStmt(children: LetStmtCstChildren, param?: IN): OUT;
  pattern(children: PatternCstChildren, param?: IN): OUT;
  writeStmt(children: WriteStmtCstChildren, param?: IN): OUT;
  returnStmt(children: ReturnStmtCstChildren, param?: IN): OUT;
  dataDecl(children: DataDeclCstChildren, param?: IN): OUT;
  clause(children: ClauseCstChildren, param?: IN): OUT;
  clauseEntries(children: ClauseEntriesCstChildren, param?: IN): OUT;
  strategyDecl(children: StrategyDeclCstChildren, param?: IN): OUT;
  trainClause(children: TrainClauseCstChildren, param?: IN): OUT;
  trainDecl(children: TrainDeclCstChildren, param?: IN): OUT;
  trainBody(children: TrainBodyCstChildren, param?: IN): OUT;
  stage(children: StageCstChildren, param?: IN): OUT;
  featuresDecl(children: FeaturesDeclCstChildren, param?: IN): OUT;
  featureDef(children: FeatureDefCstChildren, param?: IN): OUT;
  featureName(children: FeatureNameCstChildren, param?: IN): OUT;
  valueDecl(children: ValueDeclCstChildren, param?: IN): OUT;
  memoryDecl(children: MemoryDeclCstChildren, param?: IN): OUT;
}
