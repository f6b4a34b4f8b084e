// The metrics a strategy lists in its `evaluate [...]` clause, computed on
// the test predictions: each listed metric becomes named scalars (for
// metrics.json, the CLI summary and the report's metric table) and, for IC
// decay and quantile returns, a series the report plots.
//
// Listed names and arguments (the compiler checks the names, this module the
// arguments):
//   ic, rank_ic, icir, rank_icir, mse, mae   always computed by `quiver run`;
//                                            listing them adds nothing
//   precision(k: 10), recall(k: 10)          HIST's precision@k / recall@k; without k
//                                            every HIST cut-off (1 … 100)
//   long_short(quantile: 0.2)                Qlib calc_long_short_return, annualised (252)
//   quantile_returns(groups: 5)              mean label of each score group per day
//                                            (Qlib's report `_group_return`)
//   ic_decay(horizons: 5)                    IC and Rank IC of day t's prediction against
//                                            the label of day t + h, h = 1 … horizons
//                                            (test days; the last h days have none)
//   pct_ic, pct_icir, pct_mse, pct_mae       TRA's percentile metrics
//   loss                                     a training quantity: ignored here
//
// Guarantees: scalar names are stable (tests and `quiver compare` read them);
// undefined values are null; bad arguments throw a DiagnosticError (Q6408).

import type { MetricSpec } from '../../compiler/plan/plan.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import type { CrossSections } from './cross-sections.js';
import { icDecay, type HorizonLabel } from './metrics.js';
import { DEFAULT_KS, groupReturns, longShortReturns, precisionRecallAtK, traMetrics } from './ranking.js';
import { nanMean } from './stats.js';

export interface ListedReport {
  /** Scalars by display name, in the order the clause lists them. */
  metrics: Record<string, number | null>;
  /** With ic_decay: h = 0 (the label itself) … horizons. */
  icDecay?: { horizon: number; ic: number | null; rankIc: number | null }[];
  /** With quantile_returns: cumulative (summed) mean label of each group over the test days. */
  groups?: { day: string[]; cumulative: (number | null)[][] };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function bad(name: string, value: unknown, expected: string): DiagnosticError {
  return new DiagnosticError(diag('evalBadSetting', { name, value: String(value), expected }));
}

/** The argument `key` (a positional argument counts as it); any other argument is an error. */
function arg(m: MetricSpec, key: string): number | string | boolean | undefined {
  const names = Object.keys(m.args);
  const other = names.find((k) => k !== key && k !== 'k');
  if (other !== undefined || names.length > 1) {
    const k = other ?? names[0]!;
    throw bad(`${m.name}(${k}: …)`, m.args[k], `only the argument ${key}`);
  }
  return m.args[key] ?? m.args['k'];
}

function intArg(m: MetricSpec, key: string, fallback: number, min: number): number {
  const v = arg(m, key) ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(`${m.name}(${key})`, v, `an integer >= ${min}`);
  return v;
}

function numArg(m: MetricSpec, key: string, fallback: number): number {
  const v = arg(m, key) ?? fallback;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw bad(`${m.name}(${key})`, v, 'a number in (0, 1]');
  return v;
}

/**
 * Labels of day t + h aligned row for row with `cs` (same instrument), from
 * the test days themselves; `instruments[d]` names day d's rows.
 */
export function shiftedLabels(cs: CrossSections, instruments: readonly (readonly string[])[], h: number): Float64Array {
  const D = cs.days.length;
  const out = new Float64Array(cs.label.length).fill(NaN);
  for (let d = 0; d + h < D; d++) {
    const later = new Map<string, number>();
    const names = instruments[d + h]!;
    for (let r = cs.offsets[d + h]!, k = 0; r < cs.offsets[d + h + 1]!; r++, k++) later.set(names[k]!, cs.label[r]!);
    const mine = instruments[d]!;
    for (let r = cs.offsets[d]!, k = 0; r < cs.offsets[d + 1]!; r++, k++) {
      const v = later.get(mine[k]!);
      if (v !== undefined) out[r] = v;
    }
  }
  return out;
}

/** The listed metrics of `specs` on the test cross-sections (`instruments[d]`: day d's row names). */
export function evaluateListed(specs: readonly MetricSpec[], cs: CrossSections, instruments: readonly (readonly string[])[]): ListedReport {
  const out: ListedReport = { metrics: {} };
  const m = out.metrics;
  let tra: ReturnType<typeof traMetrics> | undefined;
  for (const spec of specs) {
    switch (spec.name) {
      case 'precision':
      case 'recall': {
        const ks = Object.keys(spec.args).length === 0 ? [...DEFAULT_KS] : [intArg(spec, 'k', 10, 1)];
        const pr = precisionRecallAtK(cs, ks);
        ks.forEach((k, j) => (m[`${spec.name}@${k}`] = finite((spec.name === 'precision' ? pr.precision : pr.recall)[j]!)));
        break;
      }
      case 'long_short': {
        const ls = longShortReturns(cs, { quantile: numArg(spec, 'quantile', 0.2) });
        m['long-short annualized return'] = finite(ls.longShortAnnReturn);
        m['long-short annualized Sharpe'] = finite(ls.longShortAnnSharpe);
        m['long-average annualized return'] = finite(ls.longAvgAnnReturn);
        m['long-average annualized Sharpe'] = finite(ls.longAvgAnnSharpe);
        break;
      }
      case 'quantile_returns': {
        const G = intArg(spec, 'groups', 5, 2);
        const g = groupReturns(cs, G);
        g.groups.forEach((series, k) => (m[`group ${k + 1} of ${G} mean return`] = finite(nanMean(series))));
        m[`group 1 − group ${G} mean return`] = finite(nanMean(g.longShort));
        out.groups = {
          day: cs.days,
          cumulative: g.groups.map((series) => {
            let s = 0;
            return Array.from(series, (v) => (Number.isFinite(v) ? (s += v) : s)).map(finite);
          }),
        };
        break;
      }
      case 'ic_decay': {
        const H = intArg(spec, 'horizons', 5, 1);
        const horizons: HorizonLabel[] = [{ horizon: 0, label: cs.label }];
        for (let h = 1; h <= H; h++) horizons.push({ horizon: h, label: shiftedLabels(cs, instruments, h) });
        const points = icDecay(cs, horizons);
        out.icDecay = points.map((p) => ({ horizon: p.horizon, ic: finite(p.ic), rankIc: finite(p.rankIc) }));
        for (const p of points.slice(1)) {
          m[`IC decay h=${p.horizon}`] = finite(p.ic);
          m[`Rank IC decay h=${p.horizon}`] = finite(p.rankIc);
        }
        break;
      }
      case 'pct_ic':
      case 'pct_icir':
      case 'pct_mse':
      case 'pct_mae': {
        tra ??= traMetrics(cs);
        const key = spec.name.slice(4) as 'ic' | 'icir' | 'mse' | 'mae';
        m[`pct ${key === 'icir' ? 'ICIR' : key.toUpperCase()}`] = finite(tra[key]);
        break;
      }
      default:
        // ic, rank_ic, icir, rank_icir, mse, mae: always in the run's metrics; loss: training only.
        break;
    }
  }
  return out;
}
