// Universe membership and day ranges for the dataset layer.
//
// Membership spans come from the `universe` table (point-in-time index
// membership, inclusive start and end days). A row (instrument, day) exists
// in the dataset only on days the instrument is a member — Qlib's handler
// keeps exactly those rows. Without spans every instrument counts as a member
// from its first to its last data day (Qlib's `all` market).

import type { Panel } from '../panel.js';

export interface MembershipSpan {
  stock: string;
  start: string;
  end: string;
}

/** Member mask, instrument-major like the panel (1 = member that day). */
export function membershipMask(panel: Panel, spans: readonly MembershipSpan[] | undefined, starts: Int32Array): Uint8Array {
  const nI = panel.instruments.length;
  const nD = panel.days.length;
  const mask = new Uint8Array(nI * nD);
  if (!spans) {
    const fields = Object.values(panel.fields);
    for (let i = 0; i < nI; i++) {
      let last = -1;
      for (let t = nD - 1; t >= starts[i]! && last < 0; t--) {
        for (const f of fields) {
          if (f[i * nD + t] === f[i * nD + t]) {
            last = t;
            break;
          }
        }
      }
      if (last >= 0) mask.fill(1, i * nD + starts[i]!, i * nD + last + 1);
    }
    return mask;
  }
  const index = new Map(panel.instruments.map((s, i) => [s, i]));
  for (const sp of spans) {
    const i = index.get(sp.stock);
    if (i === undefined) continue;
    const [a, b] = dayRange(panel.days, sp.start, sp.end);
    if (b > a) mask.fill(1, i * nD + a, i * nD + b);
  }
  return mask;
}

/** Half-open index range [a, b) of the days within [start, end] (inclusive ISO dates). */
export function dayRange(days: readonly string[], start: string, end: string): [number, number] {
  let a = 0;
  let hi = days.length;
  while (a < hi) {
    const mid = (a + hi) >> 1;
    if (days[mid]! < start) a = mid + 1;
    else hi = mid;
  }
  let b = a;
  hi = days.length;
  while (b < hi) {
    const mid = (b + hi) >> 1;
    if (days[mid]! <= end) b = mid + 1;
    else hi = mid;
  }
  return [a, b];
}
