"""deephaven.table.Table: the operations the examples use.
Docs: https://deephaven.io/core/pydoc/code/deephaven.table.html#deephaven.table.Table
"""
from pqo_contract import STATE, StrictModule, documented, undocumented

__getattr__ = StrictModule("deephaven.table")


class Table:
    _stub_self = True

    def __init__(self, size=None, origin=None, partitions=None, columns=None):
        self._size = STATE["rows"] if size is None else size
        self._origin = origin
        self._partitions = partitions
        # Column names (with types where a factory said them); None when unknown (a table read from the server).
        self._columns = columns

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise undocumented("Table", name)

    @property
    def size(self):
        return self._size

    def _derived(self, size=None, columns="same"):
        """A result table: the same columns unless told (None: unknown, as after a join or an aggregation); refreshing
        when its source is."""
        t = Table(self._size if size is None else size, columns=self._columns if columns == "same" else columns)
        t._refreshing = getattr(self, "_refreshing", False) or getattr(self, "_is_time_table", False)
        return t

    def _columns_signature(self):
        return None if self._columns is None else tuple(self._columns)

    def _with(self, formulas):
        """Columns after update/update_view: the formulas' names replace or join the existing ones."""
        if self._columns is None:
            return None
        out = list(self._columns)
        names = [c if isinstance(c, str) else c[0] for c in out]
        for f in _list(formulas):
            n = _lhs(f)
            if n in names:
                out[names.index(n)] = n
            else:
                out.append(n)
                names.append(n)
        return out

    @documented("Table.where")
    def where(self, filters=None):
        fs = [filters] if isinstance(filters, str) else list(filters or [])
        if self._partitions is not None and len(fs) == 1 and fs[0].startswith("Partition == `"):
            key = fs[0][len("Partition == `"):-1]
            return Table(1 if key in self._partitions else 0)
        for f in fs:
            if " in " in f and f.rstrip().endswith(" in"):
                raise ValueError(f"empty match list in filter {f!r}")
        return self._derived(columns=self._columns)

    @documented("Table.where_in")
    def where_in(self, filter_table, cols):
        return self._derived()

    @documented("Table.view")
    def view(self, formulas):
        return self._derived(columns=[_lhs(f) for f in _list(formulas)])

    @documented("Table.update")
    def update(self, formulas):
        return self._derived(columns=self._with(formulas))

    @documented("Table.update_view")
    def update_view(self, formulas):
        return self._derived(columns=self._with(formulas))

    @documented("Table.select_distinct")
    def select_distinct(self, formulas=None):
        return self._derived(columns=None)

    @documented("Table.sort")
    def sort(self, order_by, order=None):
        return self._derived()

    @documented("Table.sort_descending")
    def sort_descending(self, order_by):
        return self._derived()

    @documented("Table.update_by")
    def update_by(self, ops, by=None):
        return self._derived(columns=None)

    @documented("Table.natural_join")
    def natural_join(self, table, on, joins=None, type=None):
        return self._derived(columns=None)

    @documented("Table.last_by")
    def last_by(self, by=None):
        return self._derived()

    @documented("Table.sum_by")
    def sum_by(self, by=None):
        return self._derived()

    @documented("Table.agg_by")
    def agg_by(self, aggs, by=None, preserve_empty=False, initial_groups=None):
        return self._derived(columns=None)

    @documented("Table.snapshot")
    def snapshot(self):
        return self._derived(columns=self._columns)

    @documented("Table.to_string")
    def to_string(self, num_rows=10, cols=None):
        return "<table>"


def _list(v):
    return [v] if isinstance(v, str) else list(v or [])


def _lhs(formula):
    return formula.split("=", 1)[0].strip() if "=" in formula else formula.strip()
