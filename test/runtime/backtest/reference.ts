// A deliberately plain re-statement of Qlib's TopkDropoutStrategy + Exchange +
// Account, written line by line after qlib/contrib/strategy/signal_strategy.py,
// qlib/backtest/exchange.py, position.py and account.py, with Maps, arrays of
// ids and Array.prototype.sort — none of the engine's typed-array machinery.
// The property tests run it beside runBacktest on random markets.
//
// Its own data conventions (independent of runtime/backtest/market.ts):
// suspended = close NaN / ≤ 0 or volume ≤ 0 / NaN; $change from the last
// non-suspended close; bench from consecutive closes, NaN → 0.

import type { Panel } from '../../../runtime/data/panel.js';

export interface RefSettings {
  topk: number;
  nDrop: number;
  riskDegree: number;
  holdThresh: number;
  onlyTradable: boolean;
  forbidAllTradeAtLimit: boolean;
  openCost: number;
  closeCost: number;
  minCost: number;
  limitThreshold: number | null;
  tradeUnit: number | null;
  account: number;
}

export interface RefDay {
  account: number;
  cash: number;
  ret: number;
  cost: number;
  turnover: number;
  bench: number;
  holdings: number;
}

function pyHead<T>(xs: T[], n: number): T[] {
  return n >= 0 ? xs.slice(0, n) : xs.slice(0, Math.max(0, xs.length + n));
}

function pyFloorDiv(x: number, y: number): number {
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && (y < 0) !== (mod < 0)) div -= 1;
  if (div === 0) return 0;
  let f = Math.floor(div);
  if (div - f > 0.5) f += 1;
  return f;
}

export function referenceBacktest(panel: Panel, score: Float64Array, benchClose: Float64Array, s: RefSettings): RefDay[] {
  const D = panel.days.length;
  const N = panel.instruments.length;
  const at = (f: string, i: number, d: number): number => panel.fields[f]![i * D + d]!;
  const hasVol = 'volume' in panel.fields;
  const suspended = (i: number, d: number): boolean => !(at('close', i, d) > 0) || (hasVol && !(at('volume', i, d) > 0));
  const change = (i: number, d: number): number => {
    for (let e = d - 1; e >= 0; e--) if (!suspended(i, e)) return at('close', i, d) / at('close', i, e) - 1;
    return NaN;
  };
  const limitBuy = (i: number, d: number): boolean => s.limitThreshold !== null && change(i, d) >= s.limitThreshold;
  const limitSell = (i: number, d: number): boolean => s.limitThreshold !== null && change(i, d) <= -s.limitThreshold;
  const tradable = (i: number, d: number, dir: 'any' | 'buy' | 'sell'): boolean => {
    if (suspended(i, d)) return false;
    if (dir === 'any') return !limitBuy(i, d) && !limitSell(i, d);
    return dir === 'buy' ? !limitBuy(i, d) : !limitSell(i, d);
  };
  let lots = s.tradeUnit !== null;
  for (let i = 0; i < N && lots; i++) for (let d = 0; d < D; d++) if (!suspended(i, d) && !(at('factor', i, d) > 0)) lots = false;
  const round = (amount: number, f: number): number => (lots ? (pyFloorDiv(amount * f + 0.1, s.tradeUnit!) * s.tradeUnit!) / f : amount);

  const pos = new Map<number, { amount: number; price: number; count: number }>();
  let cash = s.account;
  let accCost = 0;
  let accTo = 0;
  let lastValue = s.account;
  let lastCost = 0;
  let lastTo = 0;
  const out: RefDay[] = [];

  for (let d = 0; d < D; d++) {
    const sc = new Map<number, number>();
    if (d >= 1) for (let i = 0; i < N; i++) if (!Number.isNaN(score[i * D + d - 1]!)) sc.set(i, score[i * D + d - 1]!);
    if (sc.size > 0) {
      const scoreOf = (i: number): number => sc.get(i) ?? NaN;
      const desc = (a: number, b: number): number => {
        const x = scoreOf(a);
        const y = scoreOf(b);
        if (Number.isNaN(x) && Number.isNaN(y)) return a - b;
        if (Number.isNaN(x)) return 1;
        if (Number.isNaN(y)) return -1;
        return y === x ? a - b : y - x;
      };
      const firstN = (l: number[], n: number): number[] => {
        if (!s.onlyTradable) return pyHead(l, n);
        const res: number[] = [];
        for (const x of l) {
          if (tradable(x, d, 'any')) {
            res.push(x);
            if (res.length >= n) break;
          }
        }
        return res;
      };
      const lastN = (l: number[], n: number): number[] => {
        if (!s.onlyTradable) return n === 0 ? l.slice() : l.slice(Math.max(0, l.length - n));
        return firstN(l.slice().reverse(), n).reverse();
      };
      const last = [...pos.keys()].sort(desc);
      const unheld = [...sc.keys()].filter((i) => !pos.has(i)).sort(desc);
      const today = firstN(unheld, s.nDrop + s.topk - last.length);
      const comb = [...new Set([...last, ...today])].sort(desc);
      const bottom = new Set(lastN(comb, s.nDrop));
      const sell = last.filter((i) => bottom.has(i));
      const buy = pyHead(today, sell.length + s.topk - last.length);

      let stratCash = cash;
      for (const i of [...pos.keys()].sort((a, b) => a - b)) {
        if (!tradable(i, d, s.forbidAllTradeAtLimit ? 'any' : 'sell')) continue;
        if (!sell.includes(i)) continue;
        const p = pos.get(i)!;
        if (p.count < s.holdThresh) continue;
        if (!tradable(i, d, 'sell')) continue;
        const price = at('close', i, d);
        let amt = p.amount;
        if (cash + amt * price < Math.max(amt * price * s.closeCost, s.minCost)) amt = 0;
        const val = amt * price;
        const cost = val <= 1e-5 ? 0 : Math.max(val * s.closeCost, s.minCost);
        stratCash += val - cost;
        if (val > 1e-5) {
          accTo += val;
          accCost += cost;
          p.amount -= val / price;
          if (Math.abs(p.amount) <= 1e-5) pos.delete(i);
          cash += val - cost;
        }
      }
      const value = buy.length > 0 ? (stratCash * s.riskDegree) / buy.length : 0;
      for (const i of buy) {
        if (!tradable(i, d, s.forbidAllTradeAtLimit ? 'any' : 'buy')) continue;
        const price = at('close', i, d);
        const f = at('factor', i, d);
        let amt = round(value / price, f);
        const tv = amt * price;
        if (cash < Math.max(tv * s.openCost, s.minCost)) amt = 0;
        else if (cash < tv + Math.max(tv * s.openCost, s.minCost)) {
          let most = 0;
          if (cash >= s.minCost) {
            const critical = s.openCost > 0 ? s.minCost / s.openCost + s.minCost : Infinity;
            most = cash >= critical ? cash / (1 + s.openCost) / price : (cash - s.minCost) / price;
          }
          amt = round(Math.min(most, amt), f);
        } else amt = round(amt, f);
        const val = amt * price;
        const cost = val <= 1e-5 ? 0 : Math.max(val * s.openCost, s.minCost);
        if (val > 1e-5) {
          accTo += val;
          accCost += cost;
          const p = pos.get(i);
          if (p) p.amount += val / price;
          else pos.set(i, { amount: val / price, price, count: 0 });
          cash -= val + cost;
        }
      }
    }
    let stock = 0;
    for (const [i, p] of pos) {
      if (!suspended(i, d)) p.price = at('close', i, d);
      p.count += 1;
      stock += p.amount * p.price;
    }
    const value = cash + stock;
    const b = d === 0 ? 0 : benchClose[d]! / benchClose[d - 1]! - 1;
    out.push({
      account: value,
      cash,
      ret: (value - lastValue + (accCost - lastCost)) / lastValue,
      cost: (accCost - lastCost) / lastValue,
      turnover: (accTo - lastTo) / lastValue,
      bench: Number.isNaN(b) ? 0 : b,
      holdings: pos.size,
    });
    lastValue = value;
    lastCost = accCost;
    lastTo = accTo;
  }
  return out;
}
