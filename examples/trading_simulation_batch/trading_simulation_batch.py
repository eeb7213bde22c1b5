"""Vectorized mean-reversion backtest: one (date, partition) cell over a complete historical day.

Runs inside a Deephaven Enterprise RunAndDone persistent query created by the
PQ Orchestrator. It reads the whole day of quotes for its share of SYMBOLS,
groups them per symbol and runs the strategy in one numba-compiled pass per
symbol, then writes trades and end-of-day P&L as partitions of user tables.
RunAndDone completes the query when the script ends.
"""
import os

import numpy as np
from numba import njit

env = os.environ
query_name = env["QUERY_NAME"]
sim_date = env["SIMULATION_DATE"]
partition_id = int(env["PARTITION_ID"])
num_partitions = int(env["NUM_PARTITIONS"])
simulation = env["SIMULATION_NAME"]
window = int(env.get("WINDOW_TICKS", "200"))
entry_z = float(env.get("ENTRY_Z", "2.0"))
exit_z = float(env.get("EXIT_Z", "0.25"))
max_position = int(env.get("MAX_POSITION", "100"))
result_ns = env.get("RESULT_NAMESPACE", "MeanReversionSim")

symbols = [s for s in env.get("SYMBOLS", "").split(",") if s][partition_id::num_partitions]
print(f"[INFO] {query_name}: {sim_date}, partition {partition_id}/{num_partitions}, symbols {symbols}")


@njit(cache=True)
def backtest(mid, spread, window, entry_z, exit_z, max_position):
    """One pass over a symbol's day: returns (final position, cash, cost, trades)."""
    n = mid.shape[0]
    position = 0
    cash = 0.0
    cost = 0.0
    trades = 0
    total = 0.0
    total_sq = 0.0
    for i in range(n):
        total += mid[i]
        total_sq += mid[i] * mid[i]
        if i >= window:
            total -= mid[i - window]
            total_sq -= mid[i - window] * mid[i - window]
        if i + 1 < window:
            continue
        mean = total / window
        var = total_sq / window - mean * mean
        if var <= 0.0:
            continue
        z = (mid[i] - mean) / np.sqrt(var)
        target = position
        if z > entry_z:
            target = -max_position
        elif z < -entry_z:
            target = max_position
        elif abs(z) < exit_z:
            target = 0
        qty = target - position
        if qty != 0:
            c = abs(qty) * spread[i] / 2.0
            cash -= qty * mid[i] + c
            cost += c
            trades += 1
            position = target
    return position, cash, cost, trades


sym_filter = ", ".join(f"`{s}`" for s in symbols)
quotes = (
    db.historical_table(env.get("QUOTE_NAMESPACE", "FeedOS"), env.get("QUOTE_TABLE", "EquityQuoteL1"))  # noqa: F821
    .where([f"Date == `{sim_date}`", f"Sym in {sym_filter}", "Bid > 0", "Ask > Bid"])
    .sort(["Sym", "Timestamp"])
    .view(["Sym", "Mid = (Bid + Ask) / 2", "Spread = Ask - Bid"])
)

from deephaven import new_table  # noqa: E402
from deephaven.column import double_col, int_col, string_col  # noqa: E402
from deephaven.numpy import to_numpy  # noqa: E402

rows = {"Sym": [], "Position": [], "Cost": [], "Trades": [], "PnL": []}
for sym in symbols:
    day = quotes.where(f"Sym == `{sym}`")
    if day.size == 0:
        continue
    mid = to_numpy(day, ["Mid"]).ravel().astype(np.float64)
    spread = to_numpy(day, ["Spread"]).ravel().astype(np.float64)
    position, cash, cost, trades = backtest(mid, spread, window, entry_z, exit_z, max_position)
    rows["Sym"].append(sym)
    rows["Position"].append(int(position))
    rows["Cost"].append(float(cost))
    rows["Trades"].append(int(trades))
    rows["PnL"].append(float(cash + position * mid[-1]))

n = len(rows["Sym"])
pnl = new_table([
    string_col("Simulation", [simulation] * n),
    string_col("SimDate", [sim_date] * n),
    int_col("PartitionId", [partition_id] * n),
    string_col("Sym", rows["Sym"]),
    int_col("Position", rows["Position"]),
    double_col("Cost", rows["Cost"]),
    int_col("Trades", rows["Trades"]),
    double_col("PnL", rows["PnL"]),
])

name = "DailyPnL"
if not db.has_table(result_ns, name):  # noqa: F821
    try:
        db.add_partitioned_table_schema(result_ns, name, "Partition", pnl)  # noqa: F821
    except Exception as exc:  # another cell created it first
        print(f"[INFO] schema {result_ns}.{name} already present: {exc}")
db.add_table_partition(result_ns, name, f"{sim_date}_{partition_id}", pnl)  # noqa: F821
print(f"[INFO] {query_name}: P&L for {n} symbols, {sum(rows['Trades'])} trades")
