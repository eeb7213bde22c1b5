"""Simple batch worker for the PQ Orchestrator.

Runs inside a Deephaven Enterprise RunAndDone persistent query (Core+ Python worker): it builds a small table for
its (date, partition) cell, writes it as one partition of a user table, and ends; RunAndDone then completes the
query by itself. Uses only documented Core+ APIs (deephaven_enterprise.database.Database, the worker's `db`).
"""
import os
import time

from deephaven import empty_table

simulation = os.environ["SIMULATION_NAME"]
query_name = os.environ["QUERY_NAME"]
sim_date = os.environ["SIMULATION_DATE"]
partition_id = int(os.environ["PARTITION_ID"])
num_partitions = int(os.environ["NUM_PARTITIONS"])
namespace = os.environ.get("STATUS_NAMESPACE", "PQOSimpleBatch")
table_name = os.environ.get("STATUS_TABLE", "CellStatus")
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
    """One cell's partition of a partitioned user table; a rerun of the cell replaces its own partition.

    add_partitioned_table_schema is idempotent (False when an identical schema exists) and raises when a different
    one exists: that error is real and must stop the cell. Overwriting a partition is not documented, so an earlier
    run's partition is deleted first.
    """
    add_schema(ns, name, table)
    if db.historical_table(ns, name).where(f"Partition == `{key}`").size > 0:  # noqa: F821
        db.delete_table_partition(ns, name, key)  # noqa: F821
    db.add_table_partition(ns, name, key, table)  # noqa: F821


# The key names the simulation too, so two sweeps under different `name`s never touch each other's rows.
write_partition(namespace, table_name, f"{simulation}_{sim_date}_{partition_id}", summary)
print(f"[INFO] {query_name}: wrote {rows} rows summarised into {namespace}.{table_name}")
