"""deephaven.time.  Docs: https://deephaven.io/core/pydoc/code/deephaven.time.html
dh_now and dh_today follow the query's clock, which under replay is the replay clock; the stub's clock is
STATE["now_ns"] (nanoseconds since the epoch, UTC) and the time zone is fixed at America/New_York (UTC-5 in winter).
"""
import datetime

from pqo_contract import STATE, StrictModule, documented

__getattr__ = StrictModule("deephaven.time")
_NY = datetime.timezone(datetime.timedelta(hours=-5))


class Instant:
    """Stands for java.time.Instant as jpy exposes it (compareTo, getEpochSecond, toEpochMilli)."""

    def __init__(self, ns):
        self.ns = ns

    def compareTo(self, other):  # noqa: N802 (Java name)
        return (self.ns > other.ns) - (self.ns < other.ns)

    def getEpochSecond(self):  # noqa: N802
        return self.ns // 1_000_000_000

    def toEpochMilli(self):  # noqa: N802
        return self.ns // 1_000_000

    def __str__(self):
        return datetime.datetime.fromtimestamp(self.ns / 1e9, datetime.timezone.utc).isoformat()


@documented("deephaven.time.dh_now")
def dh_now(system=False, resolution="ns"):
    return Instant(STATE["now_ns"])


@documented("deephaven.time.dh_today")
def dh_today(tz=None):
    return datetime.datetime.fromtimestamp(STATE["now_ns"] / 1e9, _NY).date().isoformat()


@documented("deephaven.time.to_j_instant")
def to_j_instant(dt):
    text = str(dt)
    stamp, _, zone = text.partition(" ")
    if zone not in ("America/New_York", "ET", ""):
        raise ValueError(f"the stub knows only America/New_York, got {zone!r}")
    local = datetime.datetime.fromisoformat(stamp).replace(tzinfo=_NY)
    return Instant(int(local.timestamp() * 1_000_000_000))
