// Grammar rules for types and expressions (docs/language.md §2, §3).
//
// The precedence table, lowest first: if · |> · or | · and & · not ·
// comparisons (non-associative) · .. (non-associative) · + - · * / % ·
// unary - + · ^ (right-associative; `-a^2` is `-(a^2)`, `a^-b` allowed) ·
// calls and members · primaries. One rule per level; rules only, no actions.
// Every rule here has chevrotain's re-sync off except recordEntry (an
// item: see parser-recovery.ts) and expressionOnly (the entry point of
// parseExpression).

import { EOF } from 'chevrotain';
import {
  AddOp, Amp, And, Bar, Caret, CmpOp, Colon, Comma, DateLit, Dot, DotDot, Ellipsis, Else, Equals, False, Field,
  Identifier, If, Key, LBracket, LCurly, LParen, MulOp, Not, NumberLit, Or, Pipe, RBracket, RCurly, RParen,
  StringLit, TaggedString, Then, True,
} from './tokens.js';
import { RecoveringParser } from './parser-recovery.js';

export class ExpressionParser extends RecoveringParser {
  // ── Types ──────────────────────────────────────────────────────────────────

  public typeExpr = this.RULE(
    'typeExpr',
    () => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(LParen);
            this.SUBRULE(this.recordTypeField);
            this.MANY(() => {
              this.CONSUME(Comma);
              this.SUBRULE2(this.recordTypeField);
            });
            this.CONSUME(RParen);
          },
        },
        {
          ALT: () => {
            this.CONSUME(Identifier, { LABEL: 'name' });
            this.OPTION(() => {
              this.CONSUME(LBracket);
              this.SUBRULE(this.axis);
              this.MANY2(() => {
                this.CONSUME2(Comma);
                this.SUBRULE2(this.axis);
              });
              this.CONSUME(RBracket);
            });
          },
        },
      ]);
    },
    { resyncEnabled: false },
  );

  public recordTypeField = this.RULE(
    'recordTypeField',
    () => {
      this.CONSUME(Key, { LABEL: 'name' });
      this.CONSUME(Colon);
      this.SUBRULE(this.typeExpr);
    },
    { resyncEnabled: false },
  );

  public axis = this.RULE(
    'axis',
    () => {
      this.OR([
        { ALT: () => this.CONSUME(Ellipsis) },
        {
          ALT: () => {
            this.CONSUME(Identifier, { LABEL: 'name' });
            this.OPTION(() => {
              this.CONSUME(Equals);
              this.SUBRULE(this.expression, { LABEL: 'size' });
            });
          },
        },
      ]);
    },
    { resyncEnabled: false },
  );

  // ── Expressions (docs/language.md §2, lowest precedence first) ────────────

  /** The entry point of parseExpression: one expression, then the end of input. */
  public expressionOnly = this.RULE('expressionOnly', () => {
    this.SUBRULE(this.expression);
    this.CONSUME(EOF);
  });

  public expression = this.RULE(
    'expression',
    () => {
      this.OR([{ ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE(this.pipeExpr) }]);
    },
    { resyncEnabled: false },
  );

  public ifExpr = this.RULE(
    'ifExpr',
    () => {
      this.CONSUME(If);
      this.SUBRULE(this.expression, { LABEL: 'cond' });
      this.CONSUME(Then);
      this.SUBRULE2(this.expression, { LABEL: 'then' });
      this.CONSUME(Else);
      this.SUBRULE3(this.expression, { LABEL: 'else' });
    },
    { resyncEnabled: false },
  );

  public pipeExpr = this.RULE(
    'pipeExpr',
    () => {
      this.SUBRULE(this.orExpr, { LABEL: 'operand' });
      this.MANY(() => {
        this.CONSUME(Pipe);
        this.SUBRULE2(this.orExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public orExpr = this.RULE(
    'orExpr',
    () => {
      this.SUBRULE(this.andExpr, { LABEL: 'operand' });
      this.MANY(() => {
        this.OR([{ ALT: () => this.CONSUME(Or, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(Bar, { LABEL: 'op' }) }]);
        this.SUBRULE2(this.andExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public andExpr = this.RULE(
    'andExpr',
    () => {
      this.SUBRULE(this.notExpr, { LABEL: 'operand' });
      this.MANY(() => {
        this.OR([{ ALT: () => this.CONSUME(And, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(Amp, { LABEL: 'op' }) }]);
        this.SUBRULE2(this.notExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public notExpr = this.RULE(
    'notExpr',
    () => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(Not);
            this.SUBRULE(this.notExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.cmpExpr) },
      ]);
    },
    { resyncEnabled: false },
  );

  /** Comparisons do not chain: at most one operator per level. */
  public cmpExpr = this.RULE(
    'cmpExpr',
    () => {
      this.SUBRULE(this.rangeExpr, { LABEL: 'operand' });
      this.OPTION(() => {
        this.CONSUME(CmpOp, { LABEL: 'op' });
        this.SUBRULE2(this.rangeExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public rangeExpr = this.RULE(
    'rangeExpr',
    () => {
      this.SUBRULE(this.addExpr, { LABEL: 'operand' });
      this.OPTION(() => {
        this.CONSUME(DotDot);
        this.SUBRULE2(this.addExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public addExpr = this.RULE(
    'addExpr',
    () => {
      this.SUBRULE(this.mulExpr, { LABEL: 'operand' });
      this.MANY(() => {
        this.CONSUME(AddOp, { LABEL: 'op' });
        this.SUBRULE2(this.mulExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public mulExpr = this.RULE(
    'mulExpr',
    () => {
      this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
      this.MANY(() => {
        this.CONSUME(MulOp, { LABEL: 'op' });
        this.SUBRULE2(this.unaryExpr, { LABEL: 'operand' });
      });
    },
    { resyncEnabled: false },
  );

  public unaryExpr = this.RULE(
    'unaryExpr',
    () => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(AddOp, { LABEL: 'op' });
            this.SUBRULE(this.unaryExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.powExpr) },
      ]);
    },
    { resyncEnabled: false },
  );

  /** `a ^ b` is right-associative and its exponent may carry a sign (`a^-b`). */
  public powExpr = this.RULE(
    'powExpr',
    () => {
      this.SUBRULE(this.postfixExpr, { LABEL: 'base' });
      this.OPTION(() => {
        this.CONSUME(Caret);
        this.SUBRULE(this.unaryExpr, { LABEL: 'exponent' });
      });
    },
    { resyncEnabled: false },
  );

  public postfixExpr = this.RULE(
    'postfixExpr',
    () => {
      this.SUBRULE(this.primary);
      this.MANY(() => {
        this.OR([{ ALT: () => this.SUBRULE(this.member) }, { ALT: () => this.SUBRULE(this.callArgs) }]);
      });
    },
    { resyncEnabled: false },
  );

  public member = this.RULE(
    'member',
    () => {
      this.CONSUME(Dot);
      this.CONSUME(Key, { LABEL: 'name' });
    },
    { resyncEnabled: false },
  );

  public callArgs = this.RULE(
    'callArgs',
    () => {
      this.CONSUME(LParen);
      this.OPTION(() => {
        this.SUBRULE(this.arg);
        this.MANY(() => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.arg);
        });
        this.OPTION2(() => this.CONSUME2(Comma));
      });
      this.CONSUME(RParen);
    },
    { resyncEnabled: false },
  );

  public arg = this.RULE(
    'arg',
    () => {
      this.OPTION(() => {
        this.CONSUME(Key, { LABEL: 'name' });
        this.CONSUME(Colon);
      });
      this.SUBRULE(this.expression);
    },
    { resyncEnabled: false },
  );

  public primary = this.RULE(
    'primary',
    () => {
      this.OR([
        { ALT: () => this.CONSUME(NumberLit) },
        { ALT: () => this.CONSUME(StringLit) },
        { ALT: () => this.CONSUME(TaggedString) },
        { ALT: () => this.CONSUME(True) },
        { ALT: () => this.CONSUME(False) },
        { ALT: () => this.CONSUME(DateLit) },
        { ALT: () => this.CONSUME(Identifier) },
        { ALT: () => this.CONSUME(Field) },
        { ALT: () => this.SUBRULE(this.parenExpr) },
        { ALT: () => this.SUBRULE(this.listExpr) },
        { ALT: () => this.SUBRULE(this.record) },
      ]);
    },
    { resyncEnabled: false },
  );

  /** `(e)`, `(a, b)` or `(name: a, other: b)`. */
  public parenExpr = this.RULE(
    'parenExpr',
    () => {
      this.CONSUME(LParen);
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            GATE: () => this.LA(2).tokenType === Colon,
            ALT: () => {
              this.SUBRULE(this.recordEntry);
              this.MANY(() => {
                this.CONSUME(Comma);
                this.SUBRULE2(this.recordEntry);
              });
            },
          },
          {
            ALT: () => {
              this.SUBRULE(this.expression);
              this.MANY2(() => {
                this.CONSUME2(Comma);
                this.SUBRULE2(this.expression);
              });
            },
          },
        ],
      });
      this.CONSUME(RParen);
    },
    { resyncEnabled: false },
  );

  public listExpr = this.RULE(
    'listExpr',
    () => {
      this.CONSUME(LBracket);
      this.OPTION(() => {
        this.SUBRULE(this.expression);
        this.MANY(() => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.expression);
        });
        this.OPTION2(() => this.CONSUME2(Comma));
      });
      this.CONSUME(RBracket);
    },
    { resyncEnabled: false },
  );

  /** `{ key: value, ... }`: commas between entries are optional. */
  public record = this.RULE(
    'record',
    () => {
      this.CONSUME(LCurly);
      this.MANY({
        GATE: () => !this.declBoundary(),
        DEF: () => {
          this.SUBRULE(this.recordEntry);
          this.OPTION(() => this.CONSUME(Comma));
        },
      });
      this.CONSUME(RCurly);
    },
    { resyncEnabled: false },
  );

  public recordEntry = this.RULE('recordEntry', () => {
    this.CONSUME(Key, { LABEL: 'key' });
    this.CONSUME(Colon);
    this.SUBRULE(this.expression);
  });
}
