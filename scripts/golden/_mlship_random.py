"""src/core/random.ts ported to Python for the golden scripts that replay its draws."""

import math

M32 = 0xFFFFFFFF


def to_i32(x):
    x &= M32
    return x - (1 << 32) if x >= (1 << 31) else x


def imul(a, b):
    return to_i32((a & M32) * (b & M32))


class Random:
    """src/core/random.ts, operation for operation (JavaScript's 32-bit semantics made explicit)."""

    def __init__(self, seed):
        s = seed & M32
        self.state = s if s != 0 else 0x9E3779B9

    def next_uint32(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(to_i32(t) ^ (t >> 15), to_i32(t) | 1)
        t = to_i32(t ^ to_i32(t + imul(t ^ ((t & M32) >> 7), t | 61)))
        return (t ^ ((t & M32) >> 14)) & M32

    def next(self):
        hi = self.next_uint32() >> 5
        lo = self.next_uint32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n):
        return math.floor(self.next() * n)
