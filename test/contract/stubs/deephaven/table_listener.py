"""deephaven.table_listener.  Docs: https://deephaven.io/core/pydoc/code/deephaven.table_listener.html"""
from pqo_contract import STATE, StrictModule, documented

__getattr__ = StrictModule("deephaven.table_listener")
LISTENERS = []


class TableListenerHandle:
    _stub_self = True

    def __init__(self, listener):
        self.listener = listener
        self.stopped = False

    @documented("TableListenerHandle.stop")
    def stop(self):
        self.stopped = True


@documented("deephaven.table_listener.listen")
def listen(t, listener, description=None, do_replay=False, replay_lock="shared", dependencies=None):
    h = TableListenerHandle(listener)
    LISTENERS.append(h)
    return h
