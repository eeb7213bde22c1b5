"""deephaven: table factories.  Docs: https://deephaven.io/core/pydoc/code/deephaven.html"""
from pqo_contract import StrictModule, documented
from deephaven.table import Table


class DHError(Exception):
    """Docs: https://deephaven.io/core/pydoc/code/deephaven.html#deephaven.DHError"""


@documented("deephaven.new_table")
def new_table(cols):
    return Table(max((len(c.data) for c in cols), default=0), columns=[(c.name, c.type) for c in cols])


@documented("deephaven.empty_table")
def empty_table(size):
    return Table(size, columns=[])


@documented("deephaven.time_table")
def time_table(period, start_time=None, blink_table=False):
    t = Table(0)
    t._is_time_table = True
    return t


__getattr__ = StrictModule("deephaven")
