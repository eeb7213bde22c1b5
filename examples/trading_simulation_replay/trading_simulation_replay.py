"""Mean-reversion trading simulation: one (date, partition) cell, replayed as if live.

Runs inside a Deephaven Enterprise ReplayScript persistent query created by the
PQ Orchestrator. The replayer delivers the day's quotes on the simulated clock;
this worker trades its share of SYMBOLS (every NUM_PARTITIONS-th one) against a
rolling z-score of the mid price, and at the simulated market close writes its
trades and end-of-day P&L as partitions of user tables, then stops its query.
"""
import os
import time

from deephaven.time import dh_now, dh_today, to_j_instant
from deephaven.updateby import rolling_avg_tick, rolling_std_tick

env = os.environ
query_name = env["QUERY_NAME"]
partition_id = int(env["PARTITION_ID"])
num_partitions = int(env["NUM_PARTITIONS"])
simulation = env["SIMULATION_NAME"]
window = int(env.get("WINDOW_TICKS", "200"))
entry_z = float(env.get("ENTRY_Z", "2.0"))
exit_z = float(env.get("EXIT_Z", "0.25"))
max_position = int(env.get("MAX_POSITION", "100"))
result_ns = env.get("RESULT_NAMESPACE", "MeanReversionSim")
tz = env.get("TIME_ZONE", "America/New_York")

today = dh_today()  # the simulated date under replay
symbols = [s for s in env.get("SYMBOLS", "").split(",") if s][partition_id::num_partitions]
print(f"[INFO] {query_name}: {today}, partition {partition_id}/{num_partitions}, symbols {symbols}")
sym_filter = ", ".join(f"`{s}`" for s in symbols)

quotes = (
    db.live_table(env.get("QUOTE_NAMESPACE", "FeedOS"), env.get("QUOTE_TABLE", "EquityQuoteL1"))  # noqa: F821
    .where([f"Date == `{today}`", f"Sym in {sym_filter}", "Bid > 0", "Ask > Bid"])
    .view(["Timestamp", "Sym", "Mid = (Bid + Ask) / 2", "Spread = Ask - Bid"])
)

# Rolling statistics per symbol, updated as each replayed quote arrives.
stats = quotes.update_by(
    [rolling_avg_tick("MidAvg = Mid", rev_ticks=window), rolling_std_tick("MidStd = Mid", rev_ticks=window)],
    by=["Sym"],
).update(["Z = MidStd > 0 ? (Mid - MidAvg) / MidStd : 0.0"])

# Target position: short above +entry_z, long below -entry_z, flat inside exit_z.
signals = stats.update([
    f"Target = Z > {entry_z} ? -{max_position} : Z < -{entry_z} ? {max_position} : abs(Z) < {exit_z} ? 0 : NULL_INT",
]).where("!isNull(Target)")

# A trade happens when the target changes; fills at the mid, half the spread as cost.
# (Symbols are few per partition; a per-symbol partitioned_table keeps Target_[i - 1] within one symbol.)
signals = signals.partition_by(["Sym"]).transform(lambda t: t.update(["PrevTarget = Target_[i - 1]"])).merge()
trades = (
    signals.update(["Qty = isNull(PrevTarget) ? Target : Target - PrevTarget"])
    .where("Qty != 0")
    .update(["Cost = abs(Qty) * Spread / 2", "CashFlow = -Qty * Mid - Cost"])
)

close_time = to_j_instant(f"{today}T{env.get('MARKET_CLOSE', '16:00:00')} {tz}")
while dh_now().compareTo(close_time) < 0:
    time.sleep(1)  # real seconds; the replay clock runs replay_speed times faster

last_mid = quotes.last_by(["Sym"]).view(["Sym", "LastMid = Mid"])
pnl = (
    trades.view(["Sym", "Qty", "CashFlow", "Cost"])
    .sum_by(["Sym"])
    .natural_join(last_mid, on=["Sym"], joins=["LastMid"])
    .update([
        f"Simulation = `{simulation}`",
        f"SimDate = `{today}`",
        f"PartitionId = {partition_id}",
        "Position = Qty",
        "PnL = CashFlow + Position * LastMid",
    ])
    .view(["Simulation", "SimDate", "PartitionId", "Sym", "Position", "Cost", "PnL"])
)
trades_out = trades.view(["Timestamp", "Sym", "Qty", "Mid", "Z", "Cost"]).update([f"SimDate = `{today}`", f"PartitionId = {partition_id}"])

partition = f"{today}_{partition_id}"
for name, table in (("Trades", trades_out.snapshot()), ("DailyPnL", pnl.snapshot())):
    if not db.has_table(result_ns, name):  # noqa: F821
        try:
            db.add_partitioned_table_schema(result_ns, name, "Partition", table)  # noqa: F821
        except Exception as exc:  # another cell created it first
            print(f"[INFO] schema {result_ns}.{name} already present: {exc}")
    db.add_table_partition(result_ns, name, partition, table)  # noqa: F821
print(f"[INFO] {query_name}: wrote {trades_out.size} trades, P&L for {pnl.size} symbols")

from deephaven_enterprise.client.session_manager import SessionManager  # noqa: E402

SessionManager().controller_client.stop_and_wait(__PERSISTENT_QUERY_SERIAL_NUMBER)  # noqa: F821
