"""deephaven.updateby.  Docs: https://deephaven.io/core/pydoc/code/deephaven.updateby.html"""
from enum import Enum

from pqo_contract import StrictModule, documented

__getattr__ = StrictModule("deephaven.updateby")


class DeltaControl(Enum):
    NULL_DOMINATES = 0
    VALUE_DOMINATES = 1
    ZERO_DOMINATES = 2


@documented("deephaven.updateby.rolling_avg_tick")
def rolling_avg_tick(cols, rev_ticks, fwd_ticks=0):
    return ("rolling_avg_tick", cols)


@documented("deephaven.updateby.rolling_std_tick")
def rolling_std_tick(cols, rev_ticks, fwd_ticks=0):
    return ("rolling_std_tick", cols)


@documented("deephaven.updateby.rolling_count_tick")
def rolling_count_tick(cols, rev_ticks, fwd_ticks=0):
    return ("rolling_count_tick", cols)


@documented("deephaven.updateby.delta")
def delta(cols, delta_control=DeltaControl.NULL_DOMINATES):
    return ("delta", cols)
