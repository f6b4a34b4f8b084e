// TopkDropoutStrategy's daily decision (qlib/contrib/strategy/signal_strategy.py,
// method_sell="bottom", method_buy="top"), on index arrays:
//   1. H = held stocks; C = the first n_drop + topk − |H| unheld stocks by
//      score (descending; only stocks with a score are candidates);
//   2. comb = H ∪ C sorted by score, descending, held stocks without a score last;
//   3. S = held stocks among the last n_drop entries of comb;
//   4. B = the first |S| + topk − |H| entries of C.
// With only_tradable, C and the "last n_drop" keep tradable stocks only
// (either-direction limit or suspension excludes), and Qlib's get_first_n
// returns one stock even when asked for n ≤ 0; we do the same.
//
// Assumes: `score` holds the day's prediction per instrument (NaN = no
// prediction); `held` flags the current holdings.
// Guarantees: Python's slice semantics for list[:n] and list[-n:] (a negative
// n drops from the end), stable tie-breaking by instrument index (pandas'
// quicksort leaves exact ties implementation-defined), and no allocation:
// every list lives in the preallocated scratch.

export interface DecisionScratch {
  held: Int32Array;
  pool: Int32Array;
  today: Int32Array;
  comb: Int32Array;
  sell: Uint8Array;
  buy: Int32Array;
}

export function decisionScratch(N: number): DecisionScratch {
  return {
    held: new Int32Array(N),
    pool: new Int32Array(N),
    today: new Int32Array(N),
    comb: new Int32Array(N),
    sell: new Uint8Array(N),
    buy: new Int32Array(N),
  };
}

export interface DecisionInput {
  N: number;
  score: Float64Array;
  held: Uint8Array;
  /** Tradable in both directions today (not suspended, no limit either way); used by only_tradable. */
  tradableAny: Uint8Array;
  topk: number;
  nDrop: number;
  onlyTradable: boolean;
}

export interface Decision {
  /** |H|: held stocks, listed in scratch.held in instrument order. */
  nHeld: number;
  /** |C|: candidates, best first, in scratch.today. */
  nToday: number;
  /** |S|: planned sells, flagged in scratch.sell (cleared for the held stocks each day). */
  nSell: number;
  /** |B|: planned buys, best first, in scratch.buy. */
  nBuy: number;
}

/** Number of elements of Python's `list[:n]` for a list of length len. */
export function pySliceHead(n: number, len: number): number {
  return n >= 0 ? Math.min(n, len) : Math.max(0, len + n);
}

/**
 * Write the m best of pool[0..count) (score descending, ties by lower
 * instrument index) into out[0..m). The pool is in ascending instrument order.
 */
function selectTop(pool: Int32Array, count: number, m: number, score: Float64Array, out: Int32Array): void {
  if (m <= 0) return;
  if (m > 64 || m >= count) {
    const v = pool.subarray(0, count);
    v.sort((a, b) => score[b]! - score[a]! || a - b);
    for (let j = 0; j < m; j++) out[j] = v[j]!;
    return;
  }
  let len = 0;
  for (let j = 0; j < count; j++) {
    const c = pool[j]!;
    const s = score[c]!;
    if (len === m && !(s > score[out[m - 1]!]!)) continue;
    // later pool entries have higher indices, so an equal score ranks after
    let pos = len === m ? m - 1 : len;
    while (pos > 0 && s > score[out[pos - 1]!]!) {
      out[pos] = out[pos - 1]!;
      pos--;
    }
    out[pos] = c;
    if (len < m) len++;
  }
}

/** Descending by score, NaN last, ties by instrument index. */
function byScoreNaNLast(score: Float64Array): (a: number, b: number) => number {
  return (a, b) => {
    const sa = score[a]!;
    const sb = score[b]!;
    const na = sa !== sa;
    const nb = sb !== sb;
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return sb - sa || a - b;
  };
}

export function topkDropoutDecision(x: DecisionInput, s: DecisionScratch): Decision {
  const { N, score, held, tradableAny, topk, nDrop, onlyTradable } = x;
  let nHeld = 0;
  let nPool = 0;
  for (let i = 0; i < N; i++) {
    if (held[i]) {
      s.held[nHeld++] = i;
      s.sell[i] = 0;
    } else {
      const v = score[i]!;
      if (v === v && (!onlyTradable || tradableAny[i])) s.pool[nPool++] = i;
    }
  }

  const want = nDrop + topk - nHeld;
  const nToday = onlyTradable ? Math.min(Math.max(want, 1), nPool) : pySliceHead(want, nPool);
  selectTop(s.pool, nPool, nToday, score, s.today);

  let nComb = 0;
  for (let j = 0; j < nHeld; j++) s.comb[nComb++] = s.held[j]!;
  for (let j = 0; j < nToday; j++) s.comb[nComb++] = s.today[j]!;
  const comb = s.comb.subarray(0, nComb);
  comb.sort(byScoreNaNLast(score));

  let nSell = 0;
  if (onlyTradable) {
    const n = Math.max(nDrop, 1);
    let got = 0;
    for (let j = nComb - 1; j >= 0 && got < n; j--) {
      const c = comb[j]!;
      if (!tradableAny[c]) continue;
      got++;
      if (held[c]) {
        s.sell[c] = 1;
        nSell++;
      }
    }
  } else {
    for (let j = Math.max(0, nComb - nDrop); j < nComb; j++) {
      const c = comb[j]!;
      if (held[c]) {
        s.sell[c] = 1;
        nSell++;
      }
    }
  }

  const nBuy = pySliceHead(nSell + topk - nHeld, nToday);
  for (let j = 0; j < nBuy; j++) s.buy[j] = s.today[j]!;
  return { nHeld, nToday, nSell, nBuy };
}
