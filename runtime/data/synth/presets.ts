// Market sizes for the synthetic generator. A preset fixes the shape of the
// market (stocks, days, groups, data volumes); the planted effects and their
// strengths come separately from effects.ts.
//
// Guarantee: every field is a plain number or string, so a preset serialises
// into the `meta` table and the version hash.

export type PresetName = 'small' | 'csi300';

export const PRESET_NAMES: readonly PresetName[] = ['small', 'csi300'];

export interface Preset {
  name: PresetName;
  /** First calendar day (ISO); the calendar then runs `years` calendar years. */
  start: string;
  years: number;
  /** Stocks ever generated (members and non-members of the index). */
  pool: number;
  /** Index members on every day. */
  members: number;
  /** Share of the pool listed after the first day. */
  lateListingShare: number;
  concepts: number;
  hiddenClusters: number;
  industries: number;
  dayTypes: number;
  /** Event probability per stock and trading day. */
  eventRate: number;
  /** Event token vocabulary size (token 0 is never used). */
  vocab: number;
  /** Mean news items per stock and trading day. */
  newsRate: number;
  /** Dimension of a news item's word vector. */
  newsDim: number;
  funds: number;
  /** Holdings per fund and report: uniform in [min, max]. */
  holdingsMin: number;
  holdingsMax: number;
  /** Stocks and (the last) trading days that get minute bars. */
  minuteStocks: number;
  minuteDays: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  small: {
    name: 'small',
    start: '2008-01-02',
    years: 3,
    pool: 80,
    members: 60,
    lateListingShare: 0.1,
    concepts: 8,
    hiddenClusters: 6,
    industries: 6,
    dayTypes: 4,
    eventRate: 0.04,
    vocab: 300,
    newsRate: 0.25,
    newsDim: 32,
    funds: 40,
    holdingsMin: 8,
    holdingsMax: 16,
    minuteStocks: 8,
    minuteDays: 40,
  },
  csi300: {
    name: 'csi300',
    start: '2008-01-02',
    years: 12,
    pool: 420,
    members: 300,
    lateListingShare: 0.15,
    concepts: 30,
    hiddenClusters: 10,
    industries: 20,
    dayTypes: 4,
    eventRate: 0.02,
    vocab: 1000,
    newsRate: 0.08,
    newsDim: 64,
    funds: 300,
    holdingsMin: 20,
    holdingsMax: 50,
    minuteStocks: 40,
    minuteDays: 120,
  },
};
