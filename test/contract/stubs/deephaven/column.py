"""deephaven.column.  Docs: https://deephaven.io/core/pydoc/code/deephaven.column.html"""
from pqo_contract import StrictModule, documented

__getattr__ = StrictModule("deephaven.column")


class InputColumn:
    def __init__(self, name, data, type):
        self.name = name
        self.data = list(data)
        self.type = type


@documented("deephaven.column.string_col")
def string_col(name, data):
    return InputColumn(name, data, "string")


@documented("deephaven.column.int_col")
def int_col(name, data):
    return InputColumn(name, data, "int")


@documented("deephaven.column.long_col")
def long_col(name, data):
    return InputColumn(name, data, "long")


@documented("deephaven.column.double_col")
def double_col(name, data):
    return InputColumn(name, data, "double")
