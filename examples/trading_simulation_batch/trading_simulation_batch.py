"""Vectorized mean-reversion backtest: one (date, partition) cell over a complete historical day.

Runs inside a Deephaven Enterprise RunAndDone persistent query (Core+ Python worker) created by the PQ
Orchestrator. It reads the day's quotes for its share of SYMBOLS (every NUM_PARTITIONS-th one: disjoint, complete
and balanced across partitions) inside market hours in TIME_ZONE, and runs the strategy in one numba-compiled pass
per symbol: a rolling z-score of the mid price over WINDOW_TICKS quotes (sample standard deviation, no signal until
the window is full, exactly as the replay example computes it). It writes end-of-day P&L as one partition
`{simulation}_{date}_{partition}` of MeanReversionBatch.DailyPnL. RunAndDone completes the query when the script ends.
"""
import os
import time

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
result_ns = env.get("RESULT_NAMESPACE", "MeanReversionBatch")
tz = env.get("TIME_ZONE", "America/New_York")
market_open = env.get("MARKET_OPEN", "09:30:00")
market_close = env.get("MARKET_CLOSE", "16:00:00")

# Space-separated (commas work too): a value without commas or quotes needs no care in any environment string.
symbols = [s for s in env.get("SYMBOLS", "").replace(",", " ").split() if s][partition_id::num_partitions]
print(f"[INFO] {query_name}: {sim_date}, partition {partition_id}/{num_partitions}, symbols {symbols}")


# No cache=True: a persistent query runs its script text without a file, and numba cannot cache such a function.
@njit
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
        if i + 1 < window or window < 2:
            continue
        mean = total / window
        var = (total_sq - window * mean * mean) / (window - 1)  # sample variance, as rolling_std_tick
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


from deephaven import new_table  # noqa: E402
from deephaven.column import double_col, int_col, long_col, string_col  # noqa: E402
from deephaven.numpy import to_numpy  # noqa: E402

rows = {"Sym": [], "Position": [], "Cost": [], "Trades": [], "PnL": []}
if symbols:
    sym_filter = ", ".join(f"`{s}`" for s in symbols)
    quotes = (
        db.historical_table(env.get("QUOTE_NAMESPACE", "FeedOS"), env.get("QUOTE_TABLE", "EquityQuoteL1"))  # noqa: F821
        .where([f"Date == `{sim_date}`"])
        .update_view(["Sym = LocalCodeStr"])  # FeedOS quotes name the symbol LocalCodeStr
        .where([
            f"Sym in {sym_filter}",
            "Bid > 0",
            "Ask > Bid",
            f"Timestamp >= '{sim_date}T{market_open} {tz}'",
            f"Timestamp < '{sim_date}T{market_close} {tz}'",
        ])
        .sort(["Sym", "Timestamp"])
        .view(["Sym", "Mid = (Bid + Ask) / 2", "Spread = Ask - Bid"])
    )
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
else:
    print(f"[WARNING] {query_name}: no symbols for partition {partition_id} of {num_partitions}; writing an empty partition")

n = len(rows["Sym"])
pnl = new_table([
    string_col("Simulation", [simulation] * n),
    string_col("SimDate", [sim_date] * n),
    int_col("PartitionId", [partition_id] * n),
    string_col("Sym", rows["Sym"]),
    long_col("Position", rows["Position"]),
    double_col("Cost", rows["Cost"]),
    int_col("Trades", rows["Trades"]),
    double_col("PnL", rows["PnL"]),
])


def add_schema(ns, name, table):
    """The table's schema, added once for every cell. Cells of a first run start together and race to add it: a
    loser's call can fail though the schema the winner added is the same. Asked again, an identical schema answers
    False; a different one raises again, and that error is real and stops the cell."""
    try:
        db.add_partitioned_table_schema(ns, name, "Partition", table)  # noqa: F821  (db is the worker's Database)
    except Exception as first:  # noqa: BLE001
        print(f"[INFO] adding the schema of {ns}.{name} failed ({first}); asking again, as a concurrent cell may have added it", flush=True)
        time.sleep(1)
        db.add_partitioned_table_schema(ns, name, "Partition", table)  # noqa: F821


def write_partition(ns, name, key, table):
    """One cell's partition; a rerun replaces its own partition. add_partitioned_table_schema is idempotent (False
    when an identical schema exists) and raises when a different one exists: that error must stop the cell."""
    add_schema(ns, name, table)
    if db.historical_table(ns, name).where(f"Partition == `{key}`").size > 0:  # noqa: F821
        db.delete_table_partition(ns, name, key)  # noqa: F821
    db.add_table_partition(ns, name, key, table)  # noqa: F821


write_partition(result_ns, "DailyPnL", f"{simulation}_{sim_date}_{partition_id}", pnl)
print(f"[INFO] {query_name}: P&L for {n} symbols, {sum(rows['Trades'])} trades")
