"""A small stand-in for numpy, so the contract test needs nothing but plain Python 3. Only what the examples use."""
import math

float64 = float
sqrt = math.sqrt


class ndarray(list):
    @property
    def shape(self):
        return (len(self),)

    def ravel(self):
        return ndarray(x for row in self for x in (row if isinstance(row, list) else [row]))

    def astype(self, t):
        return ndarray(t(x) for x in self)


def array(rows):
    return ndarray(rows)
