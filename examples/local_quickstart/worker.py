"""Mean-reversion backtest of one (date, partition) cell, in plain Python.

Prices are synthetic but deterministic: the same symbol and date always give
the same minute bars, so every run of the orchestration gives the same results.
Each partition trades its share of the symbols (every NUM_PARTITIONS-th one) and
writes one JSON file of results that analyze_results.py summarises.
"""
import json
import math
import os
import random
import sys

name = os.environ["SIMULATION_NAME"]
date = os.environ["SIMULATION_DATE"]
partition = int(os.environ["PARTITION_ID"])
partitions = int(os.environ["NUM_PARTITIONS"])
query = os.environ["QUERY_NAME"]
# Space-separated (commas work too): a value without commas or quotes needs no care in any environment string.
symbols = [s for s in os.environ.get("SYMBOLS", "").replace(",", " ").split() if s]
lookback = int(os.environ.get("LOOKBACK", "20"))
entry_z = float(os.environ.get("ENTRY_Z", "1.5"))
out_dir = os.environ.get("OUTPUT_DIR", "results")

mine = symbols[partition::partitions]


def minute_bars(symbol, day, n=390):
    """A random walk with mean reversion: seeded by symbol and date."""
    rng = random.Random(f"{symbol}/{day}")
    price = 50 + rng.random() * 450
    anchor = price
    bars = []
    for _ in range(n):
        price += 0.05 * (anchor - price) + rng.gauss(0, price * 0.001)
        bars.append(round(price, 4))
    return bars


def backtest(bars):
    """Enter against a move of entry_z standard deviations; exit at the mean."""
    position = 0
    entry = 0.0
    pnl = 0.0
    trades = 0
    for i in range(lookback, len(bars)):
        window = bars[i - lookback:i]
        mean = sum(window) / lookback
        sd = math.sqrt(sum((p - mean) ** 2 for p in window) / lookback) or 1e-9
        z = (bars[i] - mean) / sd
        if position == 0 and abs(z) > entry_z:
            position = -1 if z > 0 else 1
            entry = bars[i]
            trades += 1
        elif position != 0 and (position * (bars[i] - mean) >= 0):
            pnl += position * (bars[i] - entry)
            position = 0
    if position:
        pnl += position * (bars[-1] - entry)
    return pnl, trades


results = []
for sym in mine:
    pnl, trades = backtest(minute_bars(sym, date))
    results.append({"symbol": sym, "pnl": round(pnl, 4), "trades": trades})

os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, f"{query}.json")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump({"simulation": name, "date": date, "partition": partition, "results": results}, f)
os.replace(tmp, path)  # never a half-written result
print(f"{query}: {len(mine)} symbols, pnl {sum(r['pnl'] for r in results):.2f}", file=sys.stderr)
