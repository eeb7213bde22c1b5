"""deephaven.table_listener.  Docs: https://deephaven.io/core/pydoc/code/deephaven.table_listener.html"""
import inspect

from pqo_contract import STATE, StrictModule, documented

__getattr__ = StrictModule("deephaven.table_listener")


class DHError(Exception):
    pass
LISTENERS = []


class TableListenerHandle:
    _stub_self = True

    def __init__(self, listener):
        self.listener = listener
        self.stopped = False

    @documented("TableListenerHandle.stop")
    def stop(self):
        self.stopped = True


def _takes_two(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    try:
        sig.bind(None, False)
        return True
    except TypeError:
        return False


@documented("deephaven.table_listener.listen")
def listen(t, listener, description=None, do_replay=False, replay_lock="shared", dependencies=None):
    # As the engine does: only a refreshing table can be listened to, and a function listener is called with
    # (update, is_replay).
    if not (getattr(t, "_is_time_table", False) or getattr(t, "_refreshing", False)):
        raise DHError("listen: the table is not refreshing; a static table never updates")
    if callable(listener) and not hasattr(listener, "on_update") and not _takes_two(listener):
        raise DHError("listen: a function listener must take two parameters (update, is_replay)")
    h = TableListenerHandle(listener)
    LISTENERS.append(h)
    return h
