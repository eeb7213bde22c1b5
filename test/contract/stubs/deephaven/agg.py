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


# agg.count_where exists from deephaven-core 0.38 on; DHE Grizzly (1.20231219) ships Core 0.33.3, so the examples must
# not use it (the stub leaves it out: a call fails as it would there).
