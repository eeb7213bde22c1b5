"""Simple batch worker for the PQ Orchestrator.

Runs inside a Deephaven Enterprise RunAndDone persistent query: it builds a
small table for its (date, partition) cell, writes it as one partition of a
user table, and ends; RunAndDone then completes the query by itself.
"""
import os

from deephaven import empty_table

simulation = os.environ["SIMULATION_NAME"]
query_name = os.environ["QUERY_NAME"]
sim_date = os.environ["SIMULATION_DATE"]
partition_id = int(os.environ["PARTITION_ID"])
num_partitions = int(os.environ["NUM_PARTITIONS"])
namespace = os.environ.get("STATUS_NAMESPACE", "PQOrchestration")
table_name = os.environ.get("STATUS_TABLE", "SimpleBatchStatus")
rows = int(os.environ.get("ROWS", "1000"))

print(f"[INFO] {query_name}: date={sim_date} partition={partition_id}/{num_partitions}")

# This partition's share of a row range: every num_partitions-th row.
result = empty_table(rows).update([
    f"Simulation = `{simulation}`",
    f"SimDate = `{sim_date}`",
    f"PartitionId = {partition_id}",
    f"Row = ii * {num_partitions} + {partition_id}",
    "Value = Math.sin(Row) * 100",
])

summary = result.view(["Simulation", "SimDate", "PartitionId", "Value"]).sum_by(["Simulation", "SimDate", "PartitionId"])

if not db.has_table(namespace, table_name):  # noqa: F821  (db is provided by the worker)
    try:
        db.add_partitioned_table_schema(namespace, table_name, "Partition", summary)  # noqa: F821
    except Exception as exc:  # another partition created it first
        print(f"[INFO] schema already present: {exc}")
db.add_table_partition(namespace, table_name, f"{sim_date}_{partition_id}", summary)  # noqa: F821
print(f"[INFO] {query_name}: wrote {rows} rows summarised into {namespace}.{table_name}")
