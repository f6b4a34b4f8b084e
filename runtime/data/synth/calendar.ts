// The synthetic trading calendar: weekdays from a start date for a number of
// years, minus a deterministic set of Chinese-market-like holidays (New Year,
// a Spring Festival week, Qingming, Labour Day, Dragon Boat, Mid-Autumn, the
// National Day week).
//
// Guarantees: days ascending and unique; a pure function of (start, years);
// about 243 trading days a year. Days are carried as epoch days (days since
// 1970-01-01, UTC) and as ISO `YYYY-MM-DD` strings.

export interface Calendar {
  /** ISO dates, ascending. */
  iso: string[];
  /** The same days as epoch days. */
  epoch: Int32Array;
}

const MS_PER_DAY = 86_400_000;

export function isoToEpoch(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function epochToIso(epoch: number): string {
  return new Date(epoch * MS_PER_DAY).toISOString().slice(0, 10);
}

function holidaysOfYear(year: number): Set<number> {
  const out = new Set<number>();
  const add = (month: number, day: number, count = 1): void => {
    const base = Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
    for (let k = 0; k < count; k++) out.add(base + k);
  };
  add(1, 1);
  // Spring Festival: seven calendar days starting between Jan 22 and Feb 15.
  add(1, 22 + ((year * 7) % 25), 7);
  add(4, 4, 2);
  add(5, 1, 3);
  add(6, 2 + ((year * 11) % 20));
  add(9, 8 + ((year * 13) % 20));
  add(10, 1, 7);
  return out;
}

/** Trading days from `start` (inclusive) for `years` calendar years. */
export function tradingCalendar(start: string, years: number): Calendar {
  const first = isoToEpoch(start);
  const startYear = Number(start.slice(0, 4));
  const last = isoToEpoch(`${startYear + years}-01-01`) - 1;
  const holidays = new Set<number>();
  for (let y = startYear; y <= startYear + years; y++) for (const h of holidaysOfYear(y)) holidays.add(h);
  const epochs: number[] = [];
  for (let e = first; e <= last; e++) {
    const dow = (e + 4) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
    if (dow === 0 || dow === 6) continue;
    if (holidays.has(e)) continue;
    epochs.push(e);
  }
  return { iso: epochs.map(epochToIso), epoch: Int32Array.from(epochs) };
}
