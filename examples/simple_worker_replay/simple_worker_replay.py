"""Simple replay worker for the PQ Orchestrator.

Runs inside a Deephaven Enterprise ReplayScript persistent query (Core+ Python worker). It records one status row
per (date, partition) in a partitioned user table and returns at once, so the query reaches Running promptly (a
query stays Initializing until its script returns, and the orchestrator's init_timeout_minutes counts that time).
A listener on a one-second time table, which ticks on the replay clock, stops the query once RUN_SECONDS of
simulated time have passed: a ReplayScript query that stops itself is a success for the orchestrator.
"""
import os
import time
import threading
import traceback

from deephaven import new_table, time_table
from deephaven.column import int_col, string_col
from deephaven.table_listener import listen
from deephaven.time import dh_now, dh_today

simulation = os.environ["SIMULATION_NAME"]
query_name = os.environ["QUERY_NAME"]
partition_id = int(os.environ["PARTITION_ID"])
num_partitions = int(os.environ["NUM_PARTITIONS"])
namespace = os.environ.get("STATUS_NAMESPACE", "PQOSimpleReplay")
table_name = os.environ.get("STATUS_TABLE", "CellStatus")
run_seconds = float(os.environ.get("RUN_SECONDS", "60"))

# dh_today() follows the replay clock: it is the simulated date, as in production.
today = dh_today()
print(f"[INFO] {query_name}: date={today} partition={partition_id}/{num_partitions}")

status = new_table([
    string_col("Simulation", [simulation]),
    string_col("QueryName", [query_name]),
    string_col("SimDate", [today]),
    int_col("PartitionId", [partition_id]),
    int_col("NumPartitions", [num_partitions]),
    string_col("StartedAt", [str(dh_now())]),
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
    """One cell's partition; a rerun replaces its own partition (see simple_worker_batch.py for why)."""
    add_schema(ns, name, table)
    if db.historical_table(ns, name).where(f"Partition == `{key}`").size > 0:  # noqa: F821
        db.delete_table_partition(ns, name, key)  # noqa: F821
    db.add_table_partition(ns, name, key, table)  # noqa: F821


write_partition(namespace, table_name, f"{simulation}_{today}_{partition_id}", status)


def stop_this_query():
    """Stops this persistent query through the controller. Needs deephaven_enterprise.client in the worker, as the
    original tool's examples use it (SessionManager() without arguments inside a Core+ worker); where it is missing
    or refused, the failure is logged and the query ends at the orchestrator's watchdog instead."""
    try:
        from deephaven_enterprise.client.session_manager import SessionManager

        SessionManager().controller_client.stop_and_wait(__PERSISTENT_QUERY_SERIAL_NUMBER)  # noqa: F821
    except Exception:  # noqa: BLE001  (logged, never silent)
        print(f"[ERROR] {query_name}: could not stop its own query:\n{traceback.format_exc()}", flush=True)


start_seconds = dh_now().getEpochSecond()
done = threading.Event()


def on_tick(update, is_replay):
    if done.is_set() or dh_now().getEpochSecond() - start_seconds < run_seconds:
        return
    done.set()
    print(f"[INFO] {query_name}: done", flush=True)
    threading.Thread(target=stop_this_query, daemon=True).start()  # never block the update graph


clock = time_table("PT1S")
listener = listen(clock, on_tick)
