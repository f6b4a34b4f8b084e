"""Alpha158 evaluated the way Qlib evaluates it, for bench/alpha158.ts.

Qlib turns each expression string into Python objects (`$close` becomes a
feature node, operators overload + - * / > <), then evaluates every
expression instrument by instrument as pandas Series over the calendar,
memoising subexpressions per instrument by their text. This script does the
same with pandas' rolling functions (min_periods=1), pandas rolling rank,
`rolling.apply(argmax)` for IdxMax/IdxMin, Qlib's std-is-zero masks for
Corr/Rsquare, and vectorised rolling sums for Slope/Rsquare/Resi (Qlib uses
Cython there, so a Python loop would be unfair to it).

Usage: alpha158_pandas.py DIR   where DIR holds meta.json (days, nI, nD,
fields, columns [[name, text]], starts) and FIELD.f64 (instrument-major
float64). Writes DIR/out.f64 ([columns][nI][nD] float64; not when meta has
"write": false) and prints one JSON line {"seconds": ..., "stock_days": ...}.
"""

import json
import re
import sys
import time

import numpy as np
import pandas as pd


class Expr:
    def load(self, ctx):
        key = repr(self)
        memo = ctx["memo"]
        if key not in memo:
            memo[key] = self._load(ctx)
        return memo[key]

    def __add__(self, o): return Op("Add", self, o)
    def __radd__(self, o): return Op("Add", o, self)
    def __sub__(self, o): return Op("Sub", self, o)
    def __rsub__(self, o): return Op("Sub", o, self)
    def __mul__(self, o): return Op("Mul", self, o)
    def __rmul__(self, o): return Op("Mul", o, self)
    def __truediv__(self, o): return Op("Div", self, o)
    def __rtruediv__(self, o): return Op("Div", o, self)
    def __gt__(self, o): return Op("Gt", self, o)
    def __lt__(self, o): return Op("Lt", self, o)


def val(x, ctx):
    return x.load(ctx) if isinstance(x, Expr) else x


class Feature(Expr):
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "$" + self.name

    def _load(self, ctx):
        return ctx["fields"][self.name]


BINARY = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Gt": lambda a, b: a > b,
    "Lt": lambda a, b: a < b,
    "Greater": np.maximum,
    "Less": np.minimum,
}


class Op(Expr):
    def __init__(self, fn, *args):
        self.fn = fn
        self.args = args

    def __repr__(self):
        return "%s(%s)" % (self.fn, ",".join(repr(a) for a in self.args))

    def _load(self, ctx):
        fn = self.fn
        if fn in BINARY:
            return BINARY[fn](val(self.args[0], ctx), val(self.args[1], ctx))
        x = val(self.args[0], ctx)
        if fn == "Abs":
            return np.abs(x)
        if fn == "Log":
            return np.log(x)
        n = self.args[-1] if fn != "Quantile" else self.args[1]
        if fn == "Ref":
            return pd.Series(x.iloc[0], index=x.index) if n == 0 else x.shift(n)
        roll = x.rolling(n, min_periods=1)
        if fn in ("Mean", "Sum", "Std", "Max", "Min"):
            return getattr(roll, fn.lower())()
        if fn == "Quantile":
            return roll.quantile(self.args[2])
        if fn == "Rank":
            return roll.rank(pct=True)
        if fn == "IdxMax":
            return roll.apply(lambda w: w.argmax() + 1, raw=True)
        if fn == "IdxMin":
            return roll.apply(lambda w: w.argmin() + 1, raw=True)
        if fn in ("Slope", "Rsquare", "Resi"):
            return regression(fn, x, n)
        if fn == "Corr":
            y = val(self.args[1], ctx)
            res = x.rolling(n, min_periods=1).corr(y)
            flat = np.isclose(x.rolling(n, min_periods=1).std(), 0, atol=2e-5) | np.isclose(
                y.rolling(n, min_periods=1).std(), 0, atol=2e-5)
            res[flat] = np.nan
            return res
        raise ValueError("operator not in Alpha158: " + fn)


def regression(fn, y, n):
    """Qlib's rolling Slope/Rsquare/Resi: OLS on positions, NaN skipped."""
    m = (~y.isna()).astype(float)
    p = pd.Series(np.arange(len(y), dtype=float), index=y.index) * m
    y0 = y.fillna(0.0)
    r = lambda s: s.rolling(n, min_periods=1).sum()
    c, sp, spp, sy, spy, syy = r(m), r(p), r(p * p), r(y0), r(p * y0), r(y0 * y0)
    vx = c * spp - sp * sp
    cxy = c * spy - sp * sy
    with np.errstate(all="ignore"):
        slope = cxy / vx
        if fn == "Slope":
            return slope
        if fn == "Rsquare":
            res = cxy * cxy / (vx * (c * syy - sy * sy))
            res[np.isclose(y.rolling(n, min_periods=1).std(), 0, atol=2e-5)] = np.nan
            return res
        pos = pd.Series(np.arange(len(y), dtype=float), index=y.index)
        return y - (slope * pos + (sy - slope * sp) / c)


OPS = ["Ref", "Mean", "Sum", "Std", "Max", "Min", "Quantile", "Rank", "IdxMax", "IdxMin", "Slope", "Rsquare",
       "Resi", "Corr", "Abs", "Log", "Greater", "Less"]


def parse(text):
    """Qlib's way: rewrite $field, then eval as Python with the operators in scope."""
    scope = {name: (lambda fn: (lambda *a: Op(fn, *a)))(name) for name in OPS}
    scope["Feature"] = Feature
    return eval(re.sub(r"\$(\w+)", r'Feature("\1")', text), scope)


def main(folder):
    meta = json.load(open(folder + "/meta.json"))
    n_i, n_d = meta["nI"], meta["nD"]
    fields = {f: np.fromfile("%s/%s.f64" % (folder, f), dtype="<f8").reshape(n_i, n_d) for f in meta["fields"]}
    exprs = [parse(text) for _, text in meta["columns"]]
    out = np.full((len(exprs), n_i, n_d), np.nan)
    t0 = time.perf_counter()
    for i in range(n_i):
        s = meta["starts"][i]
        if s >= n_d:
            continue
        index = pd.RangeIndex(s, n_d)
        ctx = {"memo": {}, "fields": {f: pd.Series(a[i, s:], index=index) for f, a in fields.items()}}
        for c, e in enumerate(exprs):
            v = e.load(ctx)
            out[c, i, s:] = np.asarray(v, dtype=float)
    seconds = time.perf_counter() - t0
    if meta.get("write", True):
        out.tofile(folder + "/out.f64")
    print(json.dumps({"seconds": seconds, "stock_days": n_i * n_d}))


if __name__ == "__main__":
    main(sys.argv[1])
