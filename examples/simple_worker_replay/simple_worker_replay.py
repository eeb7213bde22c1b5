"""Simple replay worker for the PQ Orchestrator.

Runs inside a Deephaven Enterprise ReplayScript persistent query. It reads the
orchestrator's environment variables, records one status row per
(date, partition) in a partitioned user table, lets the replay clock run for
RUN_SECONDS of simulated time, then stops its own query so the orchestrator
counts it as a success.
"""
import os
import time

from deephaven import new_table
from deephaven.column import int_col, string_col
from deephaven.time import dh_now, dh_today

simulation = os.environ["SIMULATION_NAME"]
query_name = os.environ["QUERY_NAME"]
partition_id = int(os.environ["PARTITION_ID"])
num_partitions = int(os.environ["NUM_PARTITIONS"])
namespace = os.environ.get("STATUS_NAMESPACE", "PQOrchestration")
table_name = os.environ.get("STATUS_TABLE", "SimpleReplayStatus")
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

# One partition per (date, partition) cell, so reruns overwrite rather than duplicate.
if not db.has_table(namespace, table_name):  # noqa: F821  (db is provided by the worker)
    try:
        db.add_partitioned_table_schema(namespace, table_name, "Partition", status)  # noqa: F821
    except Exception as exc:  # another partition created it first
        print(f"[INFO] schema already present: {exc}")
db.add_table_partition(namespace, table_name, f"{today}_{partition_id}", status)  # noqa: F821

# Let the replay run for a while of simulated time, then stop this query:
# a ReplayScript query that stops itself is a success for the orchestrator.
start = dh_now()
while (dh_now().getEpochSecond() - start.getEpochSecond()) < run_seconds:
    time.sleep(0.5)

print(f"[INFO] {query_name}: done")
from deephaven_enterprise.client.session_manager import SessionManager  # noqa: E402

SessionManager().controller_client.stop_and_wait(__PERSISTENT_QUERY_SERIAL_NUMBER)  # noqa: F821
