"""numba.njit as it behaves in a persistent query: the script text runs without a file, so cache=True fails with
numba's own message ("no locator available for file '<string>'", seen with numba 0.68)."""


def njit(*args, **kwargs):
    def wrap(fn):
        if kwargs.get("cache") and fn.__code__.co_filename.startswith("<"):
            raise RuntimeError(f"cannot cache function {fn.__name__!r}: no locator available for file {fn.__code__.co_filename!r}")
        return fn
    if args and callable(args[0]) and not kwargs:
        return wrap(args[0])
    return wrap
