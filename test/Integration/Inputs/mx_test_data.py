"""Test tensors shared by the numerics cross-checks: random blocks over a
wide exponent range, and one row per edge case."""

import numpy as np


def random_tensor(rng, shape):
    # Log-uniform magnitudes over a wide range, so blocks mix normal,
    # subnormal and saturating elements; a few exact ties and specials.
    x = (np.exp2(rng.uniform(-40, 40, shape)) * rng.choice([-1, 1], shape)).astype(np.float32)
    flat = x.reshape(-1)
    flat[rng.integers(0, flat.size, flat.size // 50)] = 0.0
    flat[rng.integers(0, flat.size, flat.size // 50)] = -0.0
    flat[rng.integers(0, flat.size, flat.size // 50)] = 0.75  # E2M1 tie under X = 1/2
    return x


def edge_tensor():
    """8 x 32: one block of 32 per row, each row an edge case."""
    rows = [
        np.zeros(32),                                    # all-zero block
        np.r_[np.nan, np.ones(31)],                      # NaN block
        np.r_[np.ones(31), -np.inf],                     # Inf block
        np.r_[np.float32(2.0 ** -130), np.full(31, 2.0 ** -140)],  # subnormal amax
        np.r_[np.float32(3.4e38), np.linspace(-1e38, 1e38, 31)],   # near f32 max
        np.r_[7.9, np.linspace(-0.3, 0.3, 31)],          # saturating largest element
        np.r_[np.float32(127 / 64) * np.float32(1.0000001), np.linspace(-1, 1, 31)],
        np.arange(32) * 0.25 - 4,                        # many ties
    ]
    return np.array(rows, dtype=np.float32)


def same_bits(a, b):
    """Element-wise: equal f32 bit patterns, or both NaN."""
    return (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))


def f32_sum_bound(additions, magnitude):
    """gamma_n * magnitude with n = `additions` f32 additions on any path:
    the bound |C - C_exact| <= gamma_n * sum |a_k b_k| of an f32 sum."""
    unit = 2.0 ** -24
    return additions * unit / (1 - additions * unit) * magnitude
