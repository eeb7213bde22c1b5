"""List or remove the user tables a trading simulation wrote (run in a Deephaven console).

ACTION = "list"    shows each table and how many partitions it has
ACTION = "delete"  deletes the tables, so the next run starts clean

The tables are partitioned by "<date>_<partition>", one partition per cell, so a
rerun of a cell overwrites its partition and never duplicates rows.
"""
import os

RESULT_NAMESPACE = os.environ.get("RESULT_NAMESPACE", "MeanReversionSim")
TABLES = ["Trades", "DailyPnL"]
ACTION = os.environ.get("ACTION", "list")

for name in TABLES:
    if not db.has_table(RESULT_NAMESPACE, name):  # noqa: F821
        print(f"{RESULT_NAMESPACE}.{name}: absent")
        continue
    if ACTION == "delete":
        db.delete_partitioned_table(RESULT_NAMESPACE, name)  # noqa: F821
        print(f"{RESULT_NAMESPACE}.{name}: deleted")
    else:
        partitions = db.historical_table(RESULT_NAMESPACE, name).select_distinct(["Partition"]).size  # noqa: F821
        print(f"{RESULT_NAMESPACE}.{name}: {partitions} partitions")
