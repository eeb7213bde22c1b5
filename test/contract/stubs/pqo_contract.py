"""Bookkeeping shared by the stubs: every call to a documented API is recorded; any other name is a failure.

The stubs expose exactly the functions and signatures the examples may use, each following the documentation page
named beside it. A call with a wrong signature raises TypeError as the real function would; an undocumented name
raises AttributeError and is also recorded in UNDOCUMENTED, so a script that swallows the error still fails the test.
"""
import functools
import os
import threading

CALLS = []
UNDOCUMENTED = []
# Every name a stub stands for, so that bind_check can tell which of them a supported version lacks.
DOCUMENTED = set()
STATE = {"now_ns": 0, "rows": 40}


def record(name, *args, **kwargs):
    CALLS.append({"api": name, "args": [_plain(a) for a in args], "kwargs": {k: _plain(v) for k, v in kwargs.items()}})


def _plain(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return type(v).__name__


# The real engine's rule: a table or database operation needs an ExecutionContext on the calling thread. The query's
# script runs in one (and so do listeners, which capture the context of the thread that called listen()); a thread
# the script starts has the poisoned default context until it enters one (`with get_exec_ctx():` captured earlier),
# and its first table operation raises. Docs: https://deephaven.io/core/docs/conceptual/execution-context/
_CONTEXT = threading.local()


class ExecutionContextScope:
    """Entering it gives the current thread an ExecutionContext (nested entries stack)."""

    def __enter__(self):
        _CONTEXT.depth = getattr(_CONTEXT, "depth", 0) + 1
        return self

    def __exit__(self, *exc):
        _CONTEXT.depth -= 1
        return False


def in_context():
    return getattr(_CONTEXT, "depth", 0) > 0


def require_context(api):
    if not in_context():
        raise RuntimeError(
            f"{api}: no ExecutionContext on this thread (the default one is poisoned: its query scope and update graph "
            "refuse every operation). Capture ctx = get_exec_ctx() at the script's top level and enter it (`with ctx:`) "
            "in the thread."
        )


def documented(name):
    """Marks a stub as the documented function `name`; records each call with its arguments. Table and Database
    operations need an ExecutionContext on the calling thread, as on the real engine."""
    needs_context = name.startswith(("Table.", "Database."))
    DOCUMENTED.add(name)
    method = not name.startswith("deephaven.")

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            # A method's own object is not an argument; a function's first argument is one even when it is a stub
            # object (listen(table, ...)).
            record(name, *args[1:] if method and args and hasattr(args[0], "_stub_self") else args, **kwargs)
            if needs_context:
                require_context(name)
            return fn(*args, **kwargs)
        return inner
    return wrap


def undocumented(owner, name):
    UNDOCUMENTED.append(f"{owner}.{name}")
    return AttributeError(f"{owner}.{name} is not part of the documented API the contract stubs expose")


class StrictModule:
    """Module-level __getattr__ for stubs: `from deephaven import x` of an undocumented x fails loudly. A name that
    is one of the package's stub submodules is not an error: Python then imports the submodule."""

    def __init__(self, module_name):
        self.module_name = module_name

    def __call__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        base = os.path.join(os.path.dirname(os.path.abspath(__file__)), *self.module_name.split("."))
        if os.path.exists(os.path.join(base, name + ".py")) or os.path.isdir(os.path.join(base, name)):
            raise AttributeError(name)
        raise undocumented(self.module_name, name)
