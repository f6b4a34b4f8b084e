// The Quiver grammar: a chevrotain CstParser (rules only, no embedded actions).
//
// What it does: turns the token vector from tokens.ts into a CST (types in
// cst.d.ts), recording syntax errors instead of throwing. The rules follow
// docs/language.md §4–§5; this file holds the module, declaration and block
// rules, parser-expressions.ts the expression and type rules, and
// parser-recovery.ts the error texts and the line-aware error recovery.
//
// Soft keywords (`model`, `data`, ...) are Identifier tokens recognised by
// image in GATEs, so they stay ordinary names everywhere else.
//
// Guarantees: `parser()` builds the parser once per process
// (performSelfAnalysis is slow); parsing never throws on any token vector.

import type { CstNode } from 'chevrotain';
import {
  AnyToken, Arrow, As, Closer, Colon, Comma, Dot, Equals, For, Identifier, Import, In, LArrow, LCurly, Let, LParen,
  NotRCurly, Opener, RCurly, Return, RParen, StringLit, Write, type QToken,
} from './tokens.js';
import { ExpressionParser } from './parser-expressions.js';

export { EXPECTED_DECLARATION } from './parser-recovery.js';

export class QuiverParser extends ExpressionParser {
  constructor() {
    super();
    this.finishSetup();
  }

  /** Parse a whole module. */
  parseModule(tokens: QToken[]): CstNode {
    this.load(tokens);
    return this.module();
  }

  /** Parse one expression (the content of a `qlib"..."` string). */
  parseExpressionOnly(tokens: QToken[]): CstNode {
    this.load(tokens);
    return this.expressionOnly();
  }

  // ── Module and declarations ────────────────────────────────────────────────

  // Item choices in lists look at one token only (MAX_LOOKAHEAD: 1): a
  // declaration or statement whose second token is wrong must still be
  // entered, so its error is reported there, not swallowed as junk.

  public module = this.RULE('module', () => {
    this.MANY({
      MAX_LOOKAHEAD: 1,
      DEF: () => {
        this.OR({
          MAX_LOOKAHEAD: 1,
          IGNORE_AMBIGUITIES: true,
          DEF: [
            { GATE: () => this.declKeywordAhead(), ALT: () => this.SUBRULE(this.declaration) },
            { ALT: () => this.SUBRULE(this.topJunk) },
          ],
        });
      },
    });
  });

  /** One stray token at the top level (reported by to-ast, one diagnostic per run). */
  public topJunk = this.RULE('topJunk', () => this.CONSUME(AnyToken), { resyncEnabled: false });

  /**
   * A stray token where a block item should start. A stray bracket takes its
   * whole group with it, so that `{d}` in a mangled feature name does not
   * close the block.
   */
  public blockJunk = this.RULE(
    'blockJunk',
    () => {
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            GATE: () => this.balancedAhead(),
            ALT: () => {
              this.CONSUME(Opener);
              this.MANY({ GATE: () => this.insideJunkGroup(), DEF: () => this.CONSUME(AnyToken) });
              this.CONSUME(Closer);
            },
          },
          { ALT: () => this.CONSUME(NotRCurly) },
        ],
      });
    },
    { resyncEnabled: false },
  );

  public declaration = this.RULE('declaration', () => {
    this.OR({
      MAX_LOOKAHEAD: 1,
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.letDecl) },
        { GATE: () => this.soft('dim'), ALT: () => this.SUBRULE(this.dimDecl) },
        { GATE: () => this.soft('model') || this.soft('loss'), ALT: () => this.SUBRULE(this.modelDecl) },
        { GATE: () => this.soft('data'), ALT: () => this.SUBRULE(this.dataDecl) },
        { GATE: () => this.soft('features'), ALT: () => this.SUBRULE(this.featuresDecl) },
        { GATE: () => this.soft('graph') || this.soft('schedule') || this.soft('env'), ALT: () => this.SUBRULE(this.valueDecl) },
        { GATE: () => this.soft('memory'), ALT: () => this.SUBRULE(this.memoryDecl) },
        { GATE: () => this.soft('train'), ALT: () => this.SUBRULE(this.trainDecl) },
        { GATE: () => this.soft('strategy'), ALT: () => this.SUBRULE(this.strategyDecl) },
      ],
    });
  });

  public importDecl = this.RULE(
    'importDecl',
    () => {
      this.CONSUME(Import);
      this.OR([{ ALT: () => this.SUBRULE(this.dottedName) }, { ALT: () => this.CONSUME(StringLit, { LABEL: 'path' }) }]);
      this.OPTION(() => {
        this.OR2([
          { ALT: () => this.SUBRULE(this.importItems) },
          {
            ALT: () => {
              this.CONSUME(As);
              this.CONSUME(Identifier, { LABEL: 'alias' });
            },
          },
        ]);
      });
    },
    { resyncEnabled: false },
  );

  public dottedName = this.RULE(
    'dottedName',
    () => {
      this.CONSUME(Identifier, { LABEL: 'part' });
      this.MANY(() => {
        this.CONSUME(Dot);
        this.CONSUME2(Identifier, { LABEL: 'part' });
      });
    },
    { resyncEnabled: false },
  );

  public importItems = this.RULE(
    'importItems',
    () => {
      this.CONSUME(LCurly);
      this.SUBRULE(this.importItem);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.importItem);
      });
      this.OPTION(() => this.CONSUME2(Comma));
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public importItem = this.RULE(
    'importItem',
    () => {
      this.CONSUME(Identifier, { LABEL: 'name' });
      this.OPTION(() => {
        this.CONSUME(As);
        this.CONSUME2(Identifier, { LABEL: 'alias' });
      });
    },
    { resyncEnabled: false },
  );

  public dimDecl = this.RULE(
    'dimDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.SUBRULE(this.dimItem);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.dimItem);
      });
    },
    { resyncEnabled: false },
  );

  public dimItem = this.RULE(
    'dimItem',
    () => {
      this.CONSUME(Identifier, { LABEL: 'name' });
      this.OPTION(() => {
        this.CONSUME(Equals);
        this.SUBRULE(this.expression);
      });
      this.OPTION2(() => this.CONSUME(StringLit, { LABEL: 'doc' }));
    },
    { resyncEnabled: false },
  );

  public letDecl = this.RULE(
    'letDecl',
    () => {
      this.CONSUME(Let);
      this.CONSUME(Identifier, { LABEL: 'name' });
      this.CONSUME(Equals);
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  /** `model` and `loss` share one shape; to-ast tells them apart by the keyword. */
  public modelDecl = this.RULE(
    'modelDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.CONSUME(LParen);
      this.OPTION(() => this.SUBRULE(this.params));
      this.CONSUME(RParen);
      this.OPTION2(() => {
        this.CONSUME(Arrow);
        this.SUBRULE(this.typeExpr, { LABEL: 'returns' });
      });
      this.CONSUME(LCurly);
      this.MANY({
        MAX_LOOKAHEAD: 1,
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.OR({
            MAX_LOOKAHEAD: 1,
            IGNORE_AMBIGUITIES: true,
            DEF: [{ ALT: () => this.SUBRULE(this.statement) }, { ALT: () => this.SUBRULE(this.blockJunk) }],
          });
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public params = this.RULE(
    'params',
    () => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION(() => this.CONSUME2(Comma));
    },
    { resyncEnabled: false },
  );

  public param = this.RULE(
    'param',
    () => {
      this.CONSUME(Identifier, { LABEL: 'name' });
      this.OPTION(() => {
        this.CONSUME(Colon);
        this.SUBRULE(this.typeExpr);
      });
      this.OPTION2(() => {
        this.CONSUME(Equals);
        this.SUBRULE(this.expression, { LABEL: 'default' });
      });
    },
    { resyncEnabled: false },
  );

  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.writeStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
    ]);
  });

  public letStmt = this.RULE(
    'letStmt',
    () => {
      this.CONSUME(Let);
      this.SUBRULE(this.pattern);
      this.CONSUME(Equals);
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  public pattern = this.RULE(
    'pattern',
    () => {
      this.OR([
        { ALT: () => this.CONSUME(Identifier, { LABEL: 'name' }) },
        {
          ALT: () => {
            this.CONSUME(LParen);
            this.CONSUME2(Identifier, { LABEL: 'item' });
            this.CONSUME(Comma);
            this.CONSUME3(Identifier, { LABEL: 'item' });
            this.MANY(() => {
              this.CONSUME2(Comma);
              this.CONSUME4(Identifier, { LABEL: 'item' });
            });
            this.CONSUME(RParen);
          },
        },
      ]);
    },
    { resyncEnabled: false },
  );

  public writeStmt = this.RULE(
    'writeStmt',
    () => {
      this.CONSUME(Write);
      this.CONSUME(Identifier, { LABEL: 'target' });
      this.CONSUME(LArrow);
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  public returnStmt = this.RULE(
    'returnStmt',
    () => {
      this.CONSUME(Return);
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  public dataDecl = this.RULE(
    'dataDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.CONSUME(Equals);
      this.SUBRULE(this.expression, { LABEL: 'source' });
      this.CONSUME(LCurly);
      this.MANY({
        MAX_LOOKAHEAD: 1,
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.OR({
            MAX_LOOKAHEAD: 1,
            IGNORE_AMBIGUITIES: true,
            DEF: [{ ALT: () => this.SUBRULE(this.clause) }, { ALT: () => this.SUBRULE(this.blockJunk) }],
          });
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  /**
   * A clause: a head word, then entries (`key: value ...`), a definition
   * (`name = value`) or a value with an optional alias and settings record.
   * The alternatives are ordered most specific first; two tokens decide.
   */
  public clause = this.RULE('clause', () => {
    this.CONSUME(Identifier, { LABEL: 'head' });
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.clauseEntries) },
        {
          ALT: () => {
            this.CONSUME2(Identifier, { LABEL: 'defName' });
            this.CONSUME(Equals);
            this.SUBRULE(this.expression, { LABEL: 'defValue' });
          },
        },
        {
          ALT: () => {
            this.SUBRULE2(this.expression, { LABEL: 'value' });
            this.OPTION(() => {
              this.CONSUME(As);
              this.CONSUME3(Identifier, { LABEL: 'alias' });
            });
            this.OPTION2(() => this.SUBRULE(this.record, { LABEL: 'settings' }));
          },
        },
      ],
    });
  });

  public clauseEntries = this.RULE(
    'clauseEntries',
    () => {
      this.SUBRULE(this.recordEntry);
      // chevrotain sizes this loop's lookahead from the rule alone (which ends
      // here), so it would take the next clause's head for a key: look for
      // `key :` (or `, key :`) explicitly.
      this.MANY({
        GATE: () => this.entryAhead() && !this.declBoundary(),
        DEF: () => {
          this.OPTION(() => this.CONSUME(Comma));
          this.SUBRULE2(this.recordEntry);
        },
      });
    },
    { resyncEnabled: false },
  );

  public strategyDecl = this.RULE(
    'strategyDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.CONSUME(LCurly);
      this.MANY({
        MAX_LOOKAHEAD: 1,
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.OR({
            MAX_LOOKAHEAD: 1,
            IGNORE_AMBIGUITIES: true,
            DEF: [
              { GATE: () => this.soft('train') && this.LA(2).tokenType === LCurly, ALT: () => this.SUBRULE(this.trainClause) },
              { ALT: () => this.SUBRULE(this.clause) },
              { ALT: () => this.SUBRULE(this.blockJunk) },
            ],
          });
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public trainClause = this.RULE('trainClause', () => {
    this.CONSUME(Identifier, { LABEL: 'head' });
    this.SUBRULE(this.trainBody);
  });

  public trainDecl = this.RULE(
    'trainDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.SUBRULE(this.trainBody);
    },
    { resyncEnabled: false },
  );

  public trainBody = this.RULE(
    'trainBody',
    () => {
      this.CONSUME(LCurly);
      this.MANY({
        MAX_LOOKAHEAD: 1,
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.OR({
            MAX_LOOKAHEAD: 1,
            IGNORE_AMBIGUITIES: true,
            DEF: [
              { GATE: () => this.soft('stage') && this.LA(2).tokenType === Identifier, ALT: () => this.SUBRULE(this.stage) },
              { ALT: () => this.SUBRULE(this.recordEntry) },
              { ALT: () => this.SUBRULE(this.blockJunk) },
            ],
          });
          this.OPTION(() => this.CONSUME(Comma));
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public stage = this.RULE('stage', () => {
    this.CONSUME(Identifier, { LABEL: 'keyword' });
    this.CONSUME2(Identifier, { LABEL: 'name' });
    this.SUBRULE(this.record);
  });

  public featuresDecl = this.RULE(
    'featuresDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.OPTION(() => this.SUBRULE(this.callArgs));
      this.CONSUME(LCurly);
      this.MANY({
        MAX_LOOKAHEAD: 1,
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.OR({
            MAX_LOOKAHEAD: 1,
            IGNORE_AMBIGUITIES: true,
            DEF: [{ ALT: () => this.SUBRULE(this.featureDef) }, { ALT: () => this.SUBRULE(this.blockJunk) }],
          });
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public featureDef = this.RULE('featureDef', () => {
    this.SUBRULE(this.featureName);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: 'value' });
    this.OPTION(() => {
      this.CONSUME(For);
      this.CONSUME(Identifier, { LABEL: 'var' });
      this.CONSUME(In);
      this.SUBRULE2(this.expression, { LABEL: 'list' });
    });
  });

  /** `ROC` or `ROC{d}` (or `A{x}B{y}`): text parts and `{var}` parts. */
  public featureName = this.RULE(
    'featureName',
    () => {
      this.CONSUME(Identifier, { LABEL: 'part' });
      this.MANY(() => {
        this.CONSUME(LCurly);
        this.CONSUME2(Identifier, { LABEL: 'part' });
        this.CONSUME(RCurly);
        this.OPTION(() => this.CONSUME3(Identifier, { LABEL: 'part' }));
      });
    },
    { resyncEnabled: false },
  );

  /** `graph`, `schedule` and `env`: `keyword name = expr`. */
  public valueDecl = this.RULE(
    'valueDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.CONSUME(Equals);
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  public memoryDecl = this.RULE(
    'memoryDecl',
    () => {
      this.CONSUME(Identifier, { LABEL: 'keyword' });
      this.CONSUME2(Identifier, { LABEL: 'name' });
      this.CONSUME(Colon);
      this.SUBRULE(this.typeExpr);
      this.OPTION(() => this.SUBRULE(this.record, { LABEL: 'settings' }));
    },
    { resyncEnabled: false },
  );
}

let instance: QuiverParser | undefined;

/** The parser singleton: built on first use, once per process. */
export function parser(): QuiverParser {
  instance ??= new QuiverParser();
  return instance;
}
