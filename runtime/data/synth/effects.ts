// The planted effects of the synthetic market: their parameters, per-preset
// defaults, and the merging and validation of user overrides.
//
// Every effect has an amplitude `amp` (0 turns it off; see
// docs/synthetic-market.md for the unit of each); some carry extra switches
// needed by a model's ablation (IGMTF's day-type shuffle, HIST's concept
// shuffle, REST's spill-over, …).
//
// Guarantees: `resolveEffects` returns a complete, validated Effects object or
// throws a DiagnosticError (Q5502 unknown effect, Q5503 bad parameter); the
// result's JSON (keys in declaration order) is canonical, so it can key the
// market's version hash.

import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import type { PresetName } from './presets.js';

export interface Effects {
  /** ADD: three persistent market regimes (bear / calm / bull) with distinct drift and volatility. */
  market: { amp: number };
  /** GRU > Linear: tomorrow's return depends on tanh(r̃_t)·tanh(2ũ_t) (own return × volume shock). */
  temporal: { amp: number };
  /**
   * GATs > GRU. Default: followers' returns follow their hidden cluster's
   * leaders' idiosyncratic shocks of the day before. `interaction: true`: the
   * leaders share a market-wide factor ℓ_t and a follower's next return gets
   * amp·tanh(r̃_i)·ℓ_t (continuation after the leaders rose, reversal after
   * they fell) — a day-level summary Qlib's salience-style GAT can form.
   */
  crossStock: { amp: number; interaction: boolean };
  /** HIST: AR(1) concept factors on listed concepts; `shuffle` lists a permuted membership in `concepts`. */
  concepts: { amp: number; shuffle: boolean };
  /** HIST: AR(1) factors of the hidden clusters (not listed anywhere but `truth_hidden_cluster`). */
  hidden: { amp: number };
  /** Idiosyncratic momentum: a slow AR(1) drift per stock. */
  momentum: { amp: number };
  /** TRA: per-cluster Markov regimes (momentum, reversal, volume shock), stay probability `stay`. */
  regimes: { amp: number; stay: number };
  /**
   * IGMTF: latent day types revealed by a cluster signature (`reveal`) and
   * mapping features to tomorrow's return. `common` ∈ [0, 1] blends in a part
   * shared by every cluster (a market-wide signature and mapping): at 0 the
   * day type shows only in the cross-sectional pattern of cluster moves, at 1
   * only in the day's market-wide move.
   */
  dayTypes: { amp: number; reveal: number; shuffle: boolean; common: number };
  /** DRM: latent factors with nonlinear exposures (`amp`), style factors (`style`), industry factors (`industry`). */
  factors: { amp: number; style: number; industry: number };
  /** REST: typed events with stock sensitivities; `spill` scales the relation-graph spill-over. */
  events: { amp: number; spill: number };
  /** HAN: news sentiment along a planted direction; rumours (share `rumourShare`) carry none; `decay` per day. */
  news: { amp: number; rumourShare: number; decay: number };
  /** MF/TTIO: returns load on q*·s_t (`amp`); fund holdings ∝ softplus(tilt · p*·q*) (`tilt`). */
  funds: { amp: number; tilt: number };
  /** TTIO: technical indicators whose effect on returns is cluster-specific. */
  indicators: { amp: number };
  /** Second-order: returns = θ*_t · x + …, θ*_t slow sinusoids plus AR(1). */
  secondOrder: { amp: number };
  /** OPD: correlation ρ of a 30-minute interval's return with the previous interval's order-flow imbalance. */
  intraday: { amp: number };
}

export type EffectName = keyof Effects;

/** Overrides: a number sets `amp`; an object sets the given parameters. */
export type EffectOverrides = { [K in EffectName]?: number | Partial<Effects[K]> };

interface ParamRule {
  kind: 'number' | 'boolean';
  min?: number;
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
}

const AMP: ParamRule = { kind: 'number', min: 0, max: 10 };
const PROB_BELOW_1: ParamRule = { kind: 'number', min: 0, below: 1 };
const BOOL: ParamRule = { kind: 'boolean' };

export const EFFECT_RULES: { [K in EffectName]: { [P in keyof Effects[K]]: ParamRule } } = {
  market: { amp: AMP },
  temporal: { amp: AMP },
  crossStock: { amp: AMP, interaction: BOOL },
  concepts: { amp: AMP, shuffle: BOOL },
  hidden: { amp: AMP },
  momentum: { amp: AMP },
  regimes: { amp: AMP, stay: { kind: 'number', min: 0, max: 1 } },
  dayTypes: { amp: AMP, reveal: AMP, shuffle: BOOL, common: { kind: 'number', min: 0, max: 1 } },
  factors: { amp: AMP, style: AMP, industry: AMP },
  events: { amp: AMP, spill: AMP },
  news: { amp: AMP, rumourShare: { kind: 'number', min: 0, max: 1 }, decay: PROB_BELOW_1 },
  funds: { amp: AMP, tilt: AMP },
  indicators: { amp: AMP },
  secondOrder: { amp: AMP },
  intraday: { amp: { kind: 'number', min: 0, max: 0.9 } },
};

export const EFFECT_NAMES = Object.keys(EFFECT_RULES) as EffectName[];

/** The default strengths (all effects on). */
export function defaultEffects(preset: PresetName): Effects {
  // The small preset has ~15x fewer stock-days; its effects are a little
  // stronger so that a few epochs on it still show each one.
  const k = preset === 'small' ? 1.25 : 1;
  return {
    market: { amp: 1 },
    temporal: { amp: 0.3 * k },
    crossStock: { amp: 0.3 * k, interaction: false },
    concepts: { amp: 0.5, shuffle: false },
    hidden: { amp: 0.45 },
    momentum: { amp: 0.12 * k },
    regimes: { amp: 0.3 * k, stay: 0.95 },
    dayTypes: { amp: 0.3 * k, reveal: 0.5, shuffle: false, common: 0 },
    factors: { amp: 0.3, style: 0.12, industry: 0.25 },
    events: { amp: 0.6, spill: 1 },
    news: { amp: 0.5, rumourShare: 0.4, decay: 0.7 },
    funds: { amp: 0.25 * k, tilt: 1 },
    indicators: { amp: 0.2 * k },
    secondOrder: { amp: 0.25 * k },
    intraday: { amp: 0.2 },
  };
}

/** Every amplitude 0 (switches at their defaults): the structure-free market. */
export function noEffects(preset: PresetName): Effects {
  const e = defaultEffects(preset);
  for (const name of EFFECT_NAMES) (e[name] as { amp: number }).amp = 0;
  e.factors.style = 0;
  e.factors.industry = 0;
  e.events.spill = 0;
  e.funds.tilt = 0;
  return e;
}

/** The defaults with every effect not named switched off (amplitude 0). */
export function isolateEffects(preset: PresetName, keep: readonly EffectName[]): Effects {
  const on = defaultEffects(preset);
  const off = noEffects(preset);
  for (const name of keep) (off as Record<EffectName, unknown>)[name] = on[name];
  return off;
}

function closest(name: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(name.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagPrev = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diagPrev + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagPrev = tmp;
    }
  }
  return prev[b.length]!;
}

function expectedText(rule: ParamRule): string {
  if (rule.kind === 'boolean') return 'true or false';
  if (rule.below !== undefined) return `a number in [${rule.min ?? '-inf'}, ${rule.below})`;
  return `a number in [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]`;
}

function badParam(effect: string, param: string, value: unknown, rule: ParamRule): DiagnosticError {
  return new DiagnosticError(
    diag('synthBadEffectParam', { effect, param, value: String(value), expected: expectedText(rule) }),
  );
}

/** An unknown effect name as a diagnostic (with a suggestion when one is close). */
export function unknownEffect(name: string): DiagnosticError {
  const suggestion = closest(name, EFFECT_NAMES);
  const params: { name: string; known: string; suggestion?: string } = { name, known: EFFECT_NAMES.join(', ') };
  if (suggestion) params.suggestion = suggestion;
  return new DiagnosticError(diag('synthUnknownEffect', params));
}

/** Defaults for the preset with the overrides applied and validated. */
export function resolveEffects(preset: PresetName, overrides: EffectOverrides | undefined): Effects {
  const out = defaultEffects(preset);
  if (!overrides) return out;
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in EFFECT_RULES)) throw unknownEffect(name);
    const effect = name as EffectName;
    const rules = EFFECT_RULES[effect] as Record<string, ParamRule>;
    const target = out[effect] as unknown as Record<string, number | boolean>;
    if (value === undefined) continue;
    const entries: [string, unknown][] =
      typeof value === 'object' && value !== null ? Object.entries(value) : [['amp', value]];
    for (const [param, v] of entries) {
      const rule = rules[param];
      if (!rule) {
        throw new DiagnosticError(
          diag('synthBadEffectParam', {
            effect,
            param,
            value: String(v),
            expected: `one of the parameters ${Object.keys(rules).join(', ')}`,
          }),
        );
      }
      if (v === undefined) continue;
      if (rule.kind === 'boolean') {
        if (typeof v !== 'boolean') throw badParam(effect, param, v, rule);
        target[param] = v;
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) throw badParam(effect, param, v, rule);
      if (rule.min !== undefined && v < rule.min) throw badParam(effect, param, v, rule);
      if (rule.max !== undefined && v > rule.max) throw badParam(effect, param, v, rule);
      if (rule.below !== undefined && v >= rule.below) throw badParam(effect, param, v, rule);
      target[param] = v;
    }
  }
  return out;
}

/**
 * Parse a CLI assignment `name=value` or `name.param=value` into overrides
 * (merged into `into`). Values: numbers, `true`, `false`, `on` (= default
 * amplitude is kept), `off` (= amplitude 0).
 */
export function parseEffectAssignment(text: string, into: EffectOverrides): void {
  const eq = text.indexOf('=');
  const lhs = eq < 0 ? text : text.slice(0, eq);
  const rhs = eq < 0 ? '' : text.slice(eq + 1).trim();
  const [name, param = 'amp'] = lhs.trim().split('.', 2) as [string, string?];
  if (!(name in EFFECT_RULES)) throw unknownEffect(name);
  const effect = name as EffectName;
  const rules = EFFECT_RULES[effect] as Record<string, ParamRule>;
  const rule = rules[param];
  if (!rule) {
    throw new DiagnosticError(
      diag('synthBadEffectParam', {
        effect,
        param,
        value: rhs,
        expected: `one of the parameters ${Object.keys(rules).join(', ')}`,
      }),
    );
  }
  let value: number | boolean;
  if (rule.kind === 'boolean') {
    if (rhs === 'true' || rhs === 'on' || rhs === '1') value = true;
    else if (rhs === 'false' || rhs === 'off' || rhs === '0') value = false;
    else throw badParam(effect, param, rhs, rule);
  } else if (rhs === 'off') {
    value = 0;
  } else {
    value = rhs === '' ? NaN : Number(rhs);
    if (!Number.isFinite(value)) throw badParam(effect, param, rhs, rule);
  }
  const current = into[effect];
  const merged: Record<string, unknown> =
    typeof current === 'number' ? { amp: current } : { ...(current as Record<string, unknown> | undefined) };
  merged[param] = value;
  (into as Record<string, unknown>)[effect] = merged;
}
