"""Mean-reversion trading simulation: one (date, partition) cell, replayed as if live.

Runs inside a Deephaven Enterprise ReplayScript persistent query (Core+ Python worker) created by the PQ
Orchestrator. The replayer delivers the day's quotes on the simulated clock; this worker trades its share of
SYMBOLS (every NUM_PARTITIONS-th one: disjoint, complete and balanced across partitions) against a rolling z-score
of the mid price over WINDOW_TICKS quotes (sample standard deviation, no signal until the window is full), inside
market hours in TIME_ZONE, exactly as the batch example computes it.

The script only builds the tables and returns, so the query reaches Running at once (it stays Initializing until
the script returns, and init_timeout_minutes counts that). A listener on a one-second time table, which ticks on the
replay clock, notices the simulated close; a separate thread then snapshots the results, writes them as partition
`{simulation}_{date}_{partition}` of MeanReversionReplay.Trades and .DailyPnL, and stops this query.
"""
import os
import time
import threading
import traceback

from deephaven import time_table
from deephaven.execution_context import get_exec_ctx
from deephaven.table_listener import listen
from deephaven.time import dh_now, dh_today, to_j_instant
from deephaven.updateby import DeltaControl, delta, rolling_avg_tick, rolling_count_tick, rolling_std_tick

env = os.environ
query_name = env["QUERY_NAME"]
partition_id = int(env["PARTITION_ID"])
num_partitions = int(env["NUM_PARTITIONS"])
simulation = env["SIMULATION_NAME"]
window = int(env.get("WINDOW_TICKS", "200"))
entry_z = float(env.get("ENTRY_Z", "2.0"))
exit_z = float(env.get("EXIT_Z", "0.25"))
max_position = int(env.get("MAX_POSITION", "100"))
result_ns = env.get("RESULT_NAMESPACE", "MeanReversionReplay")
tz = env.get("TIME_ZONE", "America/New_York")
market_open = env.get("MARKET_OPEN", "09:30:00")
market_close = env.get("MARKET_CLOSE", "16:00:00")

today = dh_today()  # the simulated date under replay
# Space-separated (commas work too): a value without commas or quotes needs no care in any environment string.
symbols = [s for s in env.get("SYMBOLS", "").replace(",", " ").split() if s][partition_id::num_partitions]
print(f"[INFO] {query_name}: {today}, partition {partition_id}/{num_partitions}, symbols {symbols}")

trades_out = None
pnl = None
if symbols:
    sym_filter = ", ".join(f"`{s}`" for s in symbols)
    quotes = (
        db.live_table(env.get("QUOTE_NAMESPACE", "FeedOS"), env.get("QUOTE_TABLE", "EquityQuoteL1"))  # noqa: F821
        .where([f"Date == `{today}`"])
        .update_view(["Sym = LocalCodeStr"])  # FeedOS quotes name the symbol LocalCodeStr
        .where([
            f"Sym in {sym_filter}",
            "Bid > 0",
            "Ask > Bid",
            f"Timestamp >= '{today}T{market_open} {tz}'",
            f"Timestamp < '{today}T{market_close} {tz}'",
        ])
        .view(["Timestamp", "Sym", "Mid = (Bid + Ask) / 2", "Spread = Ask - Bid"])
    )

    # Rolling statistics per symbol, updated as each replayed quote arrives; N counts the window's quotes.
    stats = quotes.update_by(
        [
            rolling_avg_tick("MidAvg = Mid", rev_ticks=window),
            rolling_std_tick("MidStd = Mid", rev_ticks=window),
            rolling_count_tick("N = Mid", rev_ticks=window),
        ],
        by=["Sym"],
    ).where([f"N >= {window}", "MidStd > 0"]).update(["Z = (Mid - MidAvg) / MidStd"])

    # Target position: short above +entry_z, long below -entry_z, flat inside exit_z, else hold (no row).
    signals = stats.update([
        f"Target = Z > {entry_z} ? -{max_position} : Z < -{entry_z} ? {max_position} : abs(Z) < {exit_z} ? 0 : NULL_INT",
    ]).where("!isNull(Target)")

    # A trade is a change of target within a symbol: the delta of Target per symbol (the first row trades its whole
    # target). update_by keeps this independent of how a Core version treats Target_[i - 1] on a ticking table.
    trades = (
        signals.update_by([delta("Qty = Target", delta_control=DeltaControl.VALUE_DOMINATES)], by=["Sym"])
        .where("Qty != 0")
        .update(["Cost = abs(Qty) * Spread / 2", "CashFlow = -Qty * Mid - Cost"])
    )

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
    trades_out = trades.view(["Timestamp", "Sym", "Qty", "Mid", "Z", "Cost"]).update([
        f"Simulation = `{simulation}`",
        f"SimDate = `{today}`",
        f"PartitionId = {partition_id}",
    ])
else:
    print(f"[WARNING] {query_name}: no symbols for partition {partition_id} of {num_partitions}; nothing to trade")


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


def stop_this_query():
    """Stops this persistent query through the controller. Needs deephaven_enterprise.client in the worker, as the
    original tool's examples use it (SessionManager() without arguments inside a Core+ worker); where it is missing
    or refused, the failure is logged and the query ends at the orchestrator's watchdog instead."""
    try:
        from deephaven_enterprise.client.session_manager import SessionManager

        SessionManager().controller_client.stop_and_wait(__PERSISTENT_QUERY_SERIAL_NUMBER)  # noqa: F821
    except Exception:  # noqa: BLE001  (logged, never silent)
        print(f"[ERROR] {query_name}: could not stop its own query:\n{traceback.format_exc()}", flush=True)


# A thread this script starts has no ExecutionContext of its own (the default one refuses every table operation):
# capture the query's context here, at the top level, and enter it in the thread.
exec_ctx = get_exec_ctx()


def finish_day():
    """At the simulated close: snapshot (so nothing ticks while writing), write, stop.

    A query that stops itself counts as a success, so a cell whose results could not be written must not: its
    worker process exits with an error instead, which the server reports as a failed query."""
    try:
        with exec_ctx:
            write_results()
    except Exception:  # noqa: BLE001
        print(f"[ERROR] {query_name}: writing results failed; ending the worker so the cell counts as failed:\n{traceback.format_exc()}", flush=True)
        os._exit(1)
    stop_this_query()


def write_results():
    key = f"{simulation}_{today}_{partition_id}"
    if trades_out is not None:
        for name, table in (("Trades", trades_out.snapshot()), ("DailyPnL", pnl.snapshot())):
            write_partition(result_ns, name, key, table)
        print(f"[INFO] {query_name}: wrote {trades_out.size} trades, P&L for {pnl.size} symbols", flush=True)


close_time = to_j_instant(f"{today}T{market_close} {tz}")
finished = threading.Event()


def on_tick(update, is_replay):
    if finished.is_set() or dh_now().compareTo(close_time) < 0:
        return
    finished.set()
    threading.Thread(target=finish_day, daemon=True).start()  # never write or block inside the update graph


clock = time_table("PT1S")  # ticks on the replay clock, replay_speed times faster than real time
listener = listen(clock, on_tick)
