"""Checkers for the exercises of the chapter "Where k-means fails, and what mixtures are for".

- :func:`check_bits_per_pixel`: the cost of an image quantised to K colours,
  (N ⌈log₂ K⌉ + 24 K) / N bits per pixel;
- :func:`check_quantise`: every pixel replaced by its nearest centre.
"""

from __future__ import annotations

import numpy as np

from ..images import bits_per_pixel as _bits_per_pixel
from ..images import quantise as _quantise
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_arrays, compare_scalars

# ---------------------------------------------------------------------------
# Bits per pixel


def _bits_cases() -> list[Case]:
    bishop = 240 * 180  # the size of the image in Bishop's Fig. 9.3
    return [
        Case("Bishop's image, K = 2", (bishop, 2)),
        Case("Bishop's image, K = 3", (bishop, 3)),
        Case("a 100 × 100 image, K = 20", (100 * 100, 20)),
        Case("Bishop's image, K = 10", (bishop, 10)),
        Case("a power of two, K = 4", (1000, 4)),
        Case("one colour (K = 1)", (100, 1)),
        Case("a tiny image with a large palette (N = 64, K = 256)", (64, 256)),
    ]


def _label_bits(K):
    return int(np.ceil(np.log2(K)))


BITS = Exercise(
    "bits per pixel",
    hint="a label that takes K values needs np.ceil(np.log2(K)) bits; the codebook holds K colours of 3 × 8 "
    "bits and is sent once for all N pixels.",
    mistakes=(
        Mistake(
            "codebook forgotten",
            lambda N, K: float(_label_bits(K)),
            "you counted only the labels; the receiver also needs the codebook, K colours of 24 bits each, "
            "which adds 24 K / N bits per pixel.",
        ),
        Mistake(
            "log2 not rounded up",
            lambda N, K: np.log2(K) + 24 * K / N,
            "you charged log₂ K bits per label; each label is sent in a whole number of bits, "
            "⌈log₂ K⌉ (np.ceil(np.log2(K))).",
        ),
        Mistake(
            "log2 rounded down",
            lambda N, K: np.floor(np.log2(K)) + 24 * K / N,
            "you rounded log₂ K down (int() or np.floor); ⌊log₂ K⌋ bits cannot number K labels when K is "
            "not a power of two: round up, ⌈log₂ K⌉.",
        ),
        Mistake(
            "bits of the number K",
            lambda N, K: int(K).bit_length() + 24 * K / N,
            "you counted the bits of the number K itself; the labels run from 0 to K − 1, which needs "
            "⌈log₂ K⌉ bits (one bit fewer when K is a power of two, none when K = 1).",
        ),
        Mistake(
            "natural logarithm",
            lambda N, K: np.ceil(np.log(K)) + 24 * K / N,
            "you used the natural logarithm (np.log); bits are counted in base 2: np.log2.",
        ),
        Mistake(
            "8 bits per channel forgotten",
            lambda N, K: _label_bits(K) + 3 * K / N,
            "you charged one bit per channel for a codebook colour; each of its 3 channels takes 8 bits, "
            "24 bits per colour.",
        ),
        Mistake(
            "one channel per colour",
            lambda N, K: _label_bits(K) + 8 * K / N,
            "you charged 8 bits per codebook colour; a colour has 3 channels (red, green, blue) of 8 bits, "
            "24 bits in all.",
        ),
        Mistake(
            "codebook per pixel",
            lambda N, K: _label_bits(K) + 24 * K,
            "you added the whole codebook, 24 K bits, to every pixel; it is sent once, so it costs "
            "24 K / N bits per pixel.",
        ),
        Mistake(
            "total, not per pixel",
            lambda N, K: N * _label_bits(K) + 24 * K,
            "you returned the total number of bits; divide by the number of pixels N.",
        ),
        Mistake(
            "ratio to a raw pixel",
            lambda N, K: (_label_bits(K) + 24 * K / N) / 24,
            "you divided by the 24 bits of a raw pixel, which gives the compression ratio; return the bits "
            "per pixel themselves.",
        ),
        Mistake("no return", lambda N, K: None, "returned None", by_answer=False),
    ),
)


@BITS.checker
def check_bits_per_pixel(student) -> Feedback:
    """Check ``student(n_pixels, K)``, which should return the bits per pixel of an 8-bit RGB image of
    N = ``n_pixels`` pixels quantised to K colours: (N ⌈log₂ K⌉ + 24 K) / N."""

    def compare(got, expected, case):
        compare_scalars(got, expected, "your bits per pixel")

    return BITS.check(student, _bits_cases(), _bits_per_pixel, compare)


# ---------------------------------------------------------------------------
# Quantisation


def _quantise_cases() -> list[Case]:
    rng = np.random.default_rng(20261201)
    image = rng.uniform(size=(6, 5, 3))
    centres = rng.uniform(size=(3, 3))
    grey = rng.uniform(size=(4, 7, 1))
    # Dark pixels and bright centres: their differences wrap around in 8-bit arithmetic.
    dark = rng.integers(0, 60, size=(5, 4, 3), dtype=np.uint8)
    dark[0, 0] = (250, 10, 10)
    palette = np.array([[30, 30, 30], [250, 250, 250], [240, 20, 20]], dtype=np.uint8)
    many = rng.uniform(size=(10, 3))
    return [
        Case("a 6 × 5 RGB image, K = 3", (image, centres)),
        Case("one colour (K = 1)", (image, centres[:1])),
        Case("a grey image (one channel), K = 4", (grey, rng.uniform(size=(4, 1)))),
        Case("8-bit intensities (uint8 image and centres)", (dark, palette)),
        Case("a 9 × 8 RGB image, K = 10", (rng.uniform(size=(9, 8, 3)), many)),
    ]


def _reference(image, centres):
    return _quantise(image, centres)[0]


def _squared(image, centres):
    return ((image[:, :, None, :] - centres[None, None]) ** 2).sum(axis=-1)


def _float(a):
    return np.asarray(a, dtype=float)


QUANTISE = Exercise(
    "quantisation",
    hint="image[:, :, None, :] − centres has shape (H, W, K, C); sum its squares over the channels, take "
    "np.argmin over the centres (axis=2) and index centres with the labels.",
    mistakes=(
        Mistake(
            "farthest centre",
            lambda im, c: c[np.argmax(_squared(_float(im), _float(c)), axis=2)],
            "every pixel took its farthest centre: use np.argmin of the distances, not np.argmax.",
        ),
        Mistake(
            "8-bit arithmetic",
            lambda im, c: c[np.argmin(_squared(im, c), axis=2)],
            "your distances wrapped around in 8-bit arithmetic: with uint8 inputs, 10 − 250 is 16, not "
            "−240. Convert to float first, e.g. image.astype(float).",
        ),
        Mistake(
            "channels quantised separately",
            lambda im, c: np.stack(
                [
                    c[np.argmin(np.abs(_float(im)[:, :, None, d] - _float(c)[None, None, :, d]), axis=2), d]
                    for d in range(im.shape[2])
                ],
                axis=-1,
            ),
            "you rounded each channel to the nearest centre's value separately, which makes colours that are "
            "not in the palette; choose one centre per pixel, nearest in all channels together.",
        ),
        Mistake(
            "Manhattan distance",
            lambda im, c: c[np.argmin(np.abs(_float(im)[:, :, None, :] - _float(c)[None, None]).sum(axis=-1), axis=2)],
            "you measured distances as sums of absolute differences; k-means uses the squared Euclidean "
            "distance ‖x_n − μ_k‖², the sum of squared differences.",
        ),
        Mistake(
            "labels instead of colours",
            lambda im, c: np.argmin(_squared(_float(im), _float(c)), axis=2),
            "returned the labels",
            by_answer=False,
        ),
        Mistake(
            "not reshaped",
            lambda im, c: _reference(im, c).reshape(-1, im.shape[2]),
            "one row per pixel",
            by_answer=False,
        ),
        Mistake("no return", lambda im, c: None, "returned None", by_answer=False),
    ),
)


@QUANTISE.checker
def check_quantise(student) -> Feedback:
    """Check ``student(image, centres)``, which should return the (H, W, C) image whose pixel (i, j) is the
    centre μ_k nearest to it in squared Euclidean distance, for an (H, W, C) image and (K, C) centres."""

    def compare(got, expected, case):
        image, centres = case.args
        H, W, C = image.shape
        got = as_array(got, "your image")
        if got.shape == (H, W):
            raise Mismatch(
                f"you returned the labels, one per pixel, shape {got.shape}; return the colours: "
                f"index centres with the labels, centres[labels], shape {(H, W, C)}."
            )
        if got.shape == (H * W, C):
            raise Mismatch(
                f"your image has one row per pixel, shape {got.shape}; reshape it to the image's shape {(H, W, C)}."
            )
        compare_arrays(got, expected, "your image")

    return QUANTISE.check(student, _quantise_cases(), _reference, compare)
