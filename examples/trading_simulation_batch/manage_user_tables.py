"""List or remove the user tables a trading simulation wrote (run in a Deephaven Core+ Python console).

ACTION = "list"    shows each table and how many partitions it has
ACTION = "delete"  deletes the tables, so the next run starts clean

Each cell writes one partition "<simulation>_<date>_<partition>", replacing its own partition when it runs again,
so a rerun never duplicates rows and sweeps under different names never touch each other's partitions.
"""
import os

RESULT_NAMESPACE = os.environ.get("RESULT_NAMESPACE", "MeanReversionBatch")
TABLES = ["DailyPnL"]
ACTION = os.environ.get("ACTION", "list")

present = set(db.table_names(RESULT_NAMESPACE)) if RESULT_NAMESPACE in db.namespaces() else set()  # noqa: F821
for name in TABLES:
    if name not in present:
        print(f"{RESULT_NAMESPACE}.{name}: absent")
    elif ACTION == "delete":
        db.delete_partitioned_table(RESULT_NAMESPACE, name)  # noqa: F821
        print(f"{RESULT_NAMESPACE}.{name}: deleted")
    else:
        partitions = db.historical_table(RESULT_NAMESPACE, name).select_distinct(["Partition"]).size  # noqa: F821
        print(f"{RESULT_NAMESPACE}.{name}: {partitions} partitions")
