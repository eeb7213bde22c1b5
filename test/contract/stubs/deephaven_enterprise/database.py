"""deephaven_enterprise.database.Database, the `db` of a Core+ worker.
Docs: https://docs.deephaven.io/pycoreplus/latest/worker/code/deephaven_enterprise.database.html
Kept as the docs describe: add_partitioned_table_schema returns True when added, False when an identical schema
exists, and raises when a different one exists; add_table_partition needs the schema and must not be used to
overwrite (overwriting is not documented: the stub refuses it, so a rerun must delete the partition first).
"""
from pqo_contract import StrictModule, documented, undocumented
from deephaven.table import Table

__getattr__ = StrictModule("deephaven_enterprise.database")


class Database:
    _stub_self = True

    # System tables the examples read (the server's own data, present before any run).
    SYSTEM_TABLES = {("FeedOS", "EquityQuoteL1")}

    def __init__(self):
        self.schemas = {}
        self.partitions = {}
        # The next N additions of a new schema lose a race: another cell adds the same schema first, and this call
        # fails (the upstream examples tolerate "already exists" for this reason).
        self.race_next = 0

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise undocumented("Database", name)

    @documented("Database.namespaces")
    def namespaces(self):
        return sorted({ns for ns, _ in self.schemas})

    @documented("Database.table_names")
    def table_names(self, namespace):
        return sorted(t for ns, t in self.schemas if ns == namespace)

    @documented("Database.historical_table")
    def historical_table(self, namespace, table_name):
        if (namespace, table_name) in self.SYSTEM_TABLES:
            return Table(origin=(namespace, table_name))
        if (namespace, table_name) not in self.schemas:
            raise RuntimeError(f"table {namespace}.{table_name} does not exist")
        return Table(origin=(namespace, table_name), partitions=self.partitions.get((namespace, table_name), {}))

    @documented("Database.live_table")
    def live_table(self, namespace, table_name, is_refreshing=True):
        t = Table(origin=(namespace, table_name))
        t._refreshing = is_refreshing
        return t

    @documented("Database.add_partitioned_table_schema")
    def add_partitioned_table_schema(self, namespace, table_name, partition_column_name, prototype):
        key = (namespace, table_name)
        shape = (partition_column_name, prototype._columns_signature())
        if key in self.schemas:
            known = self.schemas[key]
            if known[0] != shape[0] or (known[1] is not None and shape[1] is not None and known[1] != shape[1]):
                raise RuntimeError(f"schema of {namespace}.{table_name} exists and differs")
            return False
        self.schemas[key] = shape
        if self.race_next > 0:
            self.race_next -= 1
            raise RuntimeError(f"schema of {namespace}.{table_name} already exists (another worker added it at the same moment)")
        return True

    @documented("Database.add_table_partition")
    def add_table_partition(self, namespace, table_name, partition_column_value, table):
        key = (namespace, table_name)
        if key not in self.schemas:
            raise RuntimeError(f"no schema for {namespace}.{table_name}")
        parts = self.partitions.setdefault(key, {})
        if partition_column_value in parts:
            raise RuntimeError(f"partition {partition_column_value} of {namespace}.{table_name} exists (overwrite is undocumented)")
        parts[partition_column_value] = table.size

    @documented("Database.delete_table_partition")
    def delete_table_partition(self, namespace, table_name, partition_column_value):
        self.partitions.get((namespace, table_name), {}).pop(partition_column_value, None)

    @documented("Database.delete_partitioned_table")
    def delete_partitioned_table(self, namespace, table_name):
        self.schemas.pop((namespace, table_name), None)
        self.partitions.pop((namespace, table_name), None)
