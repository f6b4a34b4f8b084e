// Order arithmetic of Qlib's Exchange, as scalar functions: lot rounding,
// costs, the cash limit on buys and the impact-cost ratio. The engine calls
// these with numbers from its typed arrays; nothing here allocates.
//
// Assumes: amounts are in adjusted shares (value = amount × adjusted price),
// so real shares = amount × factor (qlib.md §5, data README).
// Guarantees: the same floating-point operations in the same order as Qlib
// (exchange.py `round_amount_by_trade_unit`, `_get_buy_amount_by_cash_limit`,
// `_calc_trade_info_by_order`), including Python's float floor division.

/**
 * Python's float `x // y` (floor of the exact quotient, via fmod), which can
 * differ from Math.floor(x / y) when x / y rounds up to an integer.
 */
export function pyFloorDiv(x: number, y: number): number {
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && (y < 0) !== (mod < 0)) div -= 1;
  if (div === 0) return 0 * (x / y);
  let f = Math.floor(div);
  if (div - f > 0.5) f += 1;
  return f;
}

/**
 * Round an adjusted amount down to whole lots of real shares:
 * (amount · factor + 0.1) // unit · unit / factor. With lot rounding off the
 * amount is returned unchanged (Qlib's adjusted-price mode).
 */
export function roundToLot(amount: number, factor: number, unit: number, lotRounding: boolean): number {
  if (!lotRounding) return amount;
  return (pyFloorDiv(amount * factor + 0.1, unit) * unit) / factor;
}

/** The largest amount the cash can pay for, cost included (exchange `_get_buy_amount_by_cash_limit`). */
export function buyAmountByCashLimit(price: number, cash: number, costRatio: number, minCost: number): number {
  if (!(cash >= minCost)) return 0;
  // Qlib divides min_cost by cost_ratio here and raises ZeroDivisionError when the
  // rate is 0; an infinite critical value sends the order down the min-cost branch.
  const critical = costRatio > 0 ? minCost / costRatio + minCost : Infinity;
  return cash >= critical ? cash / (1 + costRatio) / price : (cash - minCost) / price;
}

/**
 * impact_cost · (order value / day's value traded)², the whole impact_cost
 * when the day's value traded is 0 or unknown (exchange `_calc_trade_info_by_order`).
 */
export function impactRatio(impactCost: number, orderValue: number, volume: number, price: number): number {
  if (impactCost === 0) return 0;
  const total = volume * price;
  if (!total || total !== total) return impactCost;
  const x = orderValue / total;
  return impactCost * x * x;
}

/** max(value · rate, min_cost), or 0 for a failed (≤ 1e-5) trade. */
export function tradeCost(value: number, costRatio: number, minCost: number): number {
  return value <= 1e-5 ? 0 : Math.max(value * costRatio, minCost);
}

/**
 * The executed amount of a buy order of `amount` given the cash on hand
 * (exchange `_calc_trade_info_by_order`, BUY branch).
 */
export function fillBuy(
  amount: number,
  price: number,
  cash: number,
  costRatio: number,
  minCost: number,
  factor: number,
  unit: number,
  lotRounding: boolean,
): number {
  const value = amount * price;
  const cost = Math.max(value * costRatio, minCost);
  if (cash < cost) return 0;
  if (cash < value + cost) {
    const most = buyAmountByCashLimit(price, cash, costRatio, minCost);
    return roundToLot(Math.min(most, amount), factor, unit, lotRounding);
  }
  return roundToLot(amount, factor, unit, lotRounding);
}

/**
 * The executed amount of a sell of the whole holding `amount`: all of it,
 * or nothing when cash plus proceeds cannot pay the cost (SELL branch).
 */
export function fillSell(amount: number, price: number, cash: number, costRatio: number, minCost: number): number {
  const value = amount * price;
  return cash + value < Math.max(value * costRatio, minCost) ? 0 : amount;
}
