// Memories (`memory errors: Float[K = 3] { per: sample, lag: 1 }`): detached
// values a loss writes for its batch's rows and a model reads back as a window
// of each row's past values (`history(errors, 60)`).
//
// Storage: one Float32Array per memory on the panel's grid, instrument-major
// (instrument × day × width), NaN until written. A read for row (i, d) covers
// days d − lag − W + 1 … d − lag, oldest first; days before the panel's start
// or never written read as 0 (TRA's zero padding). `per: day` memories keep one
// value per day (the mean over the day's rows), read the same for every row.
//
// A bank read (`bank(m)`, IGMTF) gives every day the memory holds as one
// array, days × panel instruments × width (NaN where nothing was written),
// and per batch day d which bank days are ≤ d − lag. A bank changes only when
// the memory does (`version` counts changes), so feeds upload it once per
// refresh. `update: refresh` memories keep only the writes of refresh passes:
// reads see the snapshot the last refresh took.
//
// Guarantee: a read never sees a value written for a day later than d − lag,
// so with lag ≥ the label horizon no label reaches a model early (the compiler
// allows a smaller lag only for memories no write fills from the label)
// (test/runtime/train/memory.test.ts, property-tested). `snapshot`/`restore`
// carry the values through checkpoints, so a resumed run reads what an
// uninterrupted one would.

import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { MemoryPlan } from '../../compiler/plan/plan.js';

export interface RowKeys {
  /** panel instrument index of each row */
  inst: Int32Array;
  /** panel day index of each row */
  day: Int32Array;
}

/** Every day a memory holds: `days` (panel day indices, ascending) × all panel instruments × width. */
export interface Bank {
  days: Int32Array;
  instruments: number;
  width: number;
  /** days × instruments × width, NaN where nothing was written */
  values: Float32Array;
}

export interface MemoryStore {
  readonly plans: MemoryPlan[];
  /** `refresh`: the write comes from a refresh pass (the only writes an `update: refresh` memory keeps) */
  write(name: string, values: ArrayLike<number>, keys: RowKeys, opts?: { refresh?: boolean }): void;
  history(name: string, window: number, keys: RowKeys): Float32Array;
  clear(name: string): void;
  /**
   * A refresh pass over `names` starts: an `update: always` memory is
   * cleared; an `update: refresh` one collects the pass's writes aside, so
   * reads during the pass still see the last snapshot.
   */
  beginRefresh(names: string[]): void;
  /** The pass is over: `update: refresh` memories take what it wrote. */
  endRefresh(names: string[]): void;
  /** bumped by every change to the memory (bank caches key on it) */
  version(name: string): number;
  /** the days holding a value, day-major (built once per version) */
  bank(name: string): Bank;
  /** which bank days a read for panel day `day` may see (≤ day − lag) */
  visible(name: string, bank: Bank, day: number): Uint8Array;
  /** every memory's values (NaN = never written), for checkpoints */
  snapshot(): Record<string, Float32Array>;
  /** replace memories' values from a snapshot of a store on the same grid (`from`: the checkpoint, for errors) */
  restore(values: Record<string, Float32Array>, from?: string): void;
}

function widthOf(p: MemoryPlan): number {
  return p.type.kind === 'tensor' ? p.type.axes.reduce((n, a) => n * (typeof a.size === 'number' ? a.size : 1), 1) : 1;
}

export function createMemoryStore(plans: MemoryPlan[], instruments: number, days: number): MemoryStore {
  const data = new Map<string, { plan: MemoryPlan; width: number; values: Float32Array; version: number; bank?: Bank; staging?: Float32Array }>();
  for (const p of plans) {
    const width = widthOf(p);
    const rows = p.per === 'day' ? 1 : instruments;
    data.set(p.name, { plan: p, width, values: new Float32Array(rows * days * width).fill(NaN), version: 0 });
  }
  const get = (name: string) => {
    const m = data.get(name);
    if (!m) throw new Error(`memory ${name} is not declared`);
    return m;
  };
  const changed = (m: { version: number; bank?: Bank }) => {
    m.version++;
    m.bank = undefined;
  };
  return {
    plans,
    write(name, values, keys, opts = {}) {
      const m = get(name);
      if (m.plan.update === 'refresh' && !(opts.refresh && m.staging)) return;
      const target = m.plan.update === 'refresh' ? m.staging! : m.values;
      const w = m.width;
      const n = keys.day.length;
      if (target === m.values) changed(m);
      if (m.plan.per === 'day') {
        const sums = new Map<number, { s: Float64Array; c: number }>();
        for (let r = 0; r < n; r++) {
          const d = keys.day[r]!;
          let e = sums.get(d);
          if (!e) sums.set(d, (e = { s: new Float64Array(w), c: 0 }));
          for (let k = 0; k < w; k++) e.s[k]! += values[r * w + k]!;
          e.c++;
        }
        for (const [d, e] of sums) for (let k = 0; k < w; k++) target[d * w + k] = e.s[k]! / e.c;
        return;
      }
      for (let r = 0; r < n; r++) {
        const base = (keys.inst[r]! * days + keys.day[r]!) * w;
        for (let k = 0; k < w; k++) target[base + k] = values[r * w + k]!;
      }
    },
    history(name, window, keys) {
      const m = get(name);
      const w = m.width;
      const lag = m.plan.lag;
      const n = keys.day.length;
      const out = new Float32Array(n * window * w);
      for (let r = 0; r < n; r++) {
        const row = m.plan.per === 'day' ? 0 : keys.inst[r]!;
        const last = keys.day[r]! - lag;
        for (let j = 0; j < window; j++) {
          const d = last - (window - 1 - j);
          if (d < 0) continue;
          const src = (row * days + d) * w;
          const dst = (r * window + j) * w;
          for (let k = 0; k < w; k++) {
            const v = m.values[src + k]!;
            out[dst + k] = Number.isNaN(v) ? 0 : v;
          }
        }
      }
      return out;
    },
    clear(name) {
      const m = get(name);
      m.values.fill(NaN);
      changed(m);
    },
    beginRefresh(names) {
      for (const name of names) {
        const m = get(name);
        if (m.plan.update === 'refresh') m.staging = new Float32Array(m.values.length).fill(NaN);
        else {
          m.values.fill(NaN);
          changed(m);
        }
      }
    },
    endRefresh(names) {
      for (const name of names) {
        const m = get(name);
        if (!m.staging) continue;
        m.values = m.staging;
        m.staging = undefined;
        changed(m);
      }
    },
    version(name) {
      return get(name).version;
    },
    bank(name) {
      const m = get(name);
      if (m.bank) return m.bank;
      const w = m.width;
      const held = new Uint8Array(days);
      for (let i = 0; i < instruments; i++) {
        for (let d = 0; d < days; d++) if (!held[d] && !Number.isNaN(m.values[(i * days + d) * w]!)) held[d] = 1;
      }
      const list: number[] = [];
      for (let d = 0; d < days; d++) if (held[d]) list.push(d);
      const values = new Float32Array(list.length * instruments * w).fill(NaN);
      // the store is instrument-major; a bank is day-major
      for (let i = 0; i < instruments; i++) {
        for (let y = 0; y < list.length; y++) {
          const src = (i * days + list[y]!) * w;
          values.set(m.values.subarray(src, src + w), (y * instruments + i) * w);
        }
      }
      m.bank = { days: Int32Array.from(list), instruments, width: w, values };
      return m.bank;
    },
    visible(name, bank, day) {
      const last = day - get(name).plan.lag;
      return Uint8Array.from(bank.days, (d) => (d <= last ? 1 : 0));
    },
    snapshot() {
      return Object.fromEntries([...data].map(([k, m]) => [k, m.values.slice()]));
    },
    restore(values, from = 'checkpoint') {
      for (const [name, v] of Object.entries(values)) {
        const m = data.get(name);
        if (!m) continue;
        if (v.length !== m.values.length) throw new DiagnosticError(diag('checkpointMismatch', { path: from, what: `memory ${name} has ${m.values.length} values, the checkpoint has ${v.length}` }));
        m.values.set(v);
        changed(m);
      }
    },
  };
}
