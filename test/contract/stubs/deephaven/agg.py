"""deephaven.agg.  Docs: https://deephaven.io/core/pydoc/code/deephaven.agg.html"""
from pqo_contract import StrictModule, documented

__getattr__ = StrictModule("deephaven.agg")


@documented("deephaven.agg.sum_")
def sum_(cols):
    return ("sum", cols)


@documented("deephaven.agg.count_")
def count_(col):
    return ("count", col)


@documented("deephaven.agg.avg")
def avg(cols):
    return ("avg", cols)


@documented("deephaven.agg.std")
def std(cols):
    return ("std", cols)


@documented("deephaven.agg.count_distinct")
def count_distinct(cols, count_nulls=False):
    return ("count_distinct", cols)


@documented("deephaven.agg.count_where")
def count_where(col, filters):
    return ("count_where", col)
