"""deephaven.numpy.  Docs: https://deephaven.io/core/pydoc/code/deephaven.numpy.html"""
import numpy as np

from pqo_contract import StrictModule, documented

__getattr__ = StrictModule("deephaven.numpy")


@documented("deephaven.numpy.to_numpy")
def to_numpy(table, cols=None):
    n = table.size
    return np.array([[100.0 + ((i * 37) % 11) * 0.1] for i in range(n)])
