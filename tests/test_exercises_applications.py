"""The checkers of "Where k-means fails, and what mixtures are for" accept right answers and name the
fault in each known wrong one."""

import math

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, not_implemented, solutions_test

from mixlib.exercises.applications import _quantise_cases, check_bits_per_pixel, check_quantise


def bits_per_pixel(n_pixels, K):
    return (n_pixels * np.ceil(np.log2(K)) + 24 * K) / n_pixels


def bits_per_pixel_with_math(n_pixels, K):
    return math.ceil(math.log2(K)) + 3 * 8 * K / n_pixels


def bits_per_pixel_in_integers(n_pixels, K):
    """Integer arithmetic: the bits of the largest label, K − 1."""
    return (n_pixels * (K - 1).bit_length() + 24 * K) / n_pixels


def quantise(image, centres):
    image, centres = np.asarray(image, dtype=float), np.asarray(centres, dtype=float)
    d2 = ((image[:, :, None, :] - centres) ** 2).sum(axis=-1)
    return centres[np.argmin(d2, axis=2)]


def quantise_by_expansion(image, centres):
    """‖x − μ‖² = ‖x‖² − 2 xᵀμ + ‖μ‖², on the flattened pixels; returns uint8 for uint8 input."""
    H, W, C = image.shape
    X = image.reshape(-1, C).astype(float)
    mu = centres.astype(float)
    d2 = (X**2).sum(axis=1)[:, None] - 2 * X @ mu.T + (mu**2).sum(axis=1)
    return centres[np.argmin(d2, axis=1)].reshape(H, W, C)


def quantise_in_place(image, centres):
    """A student's in-place edit must not leak into the next case."""
    result = quantise(image, centres)
    image[...] = 0
    return result


test_accepts_correct_answers = solutions_test(
    (check_bits_per_pixel, bits_per_pixel),
    (check_bits_per_pixel, bits_per_pixel_with_math),
    (check_bits_per_pixel, bits_per_pixel_in_integers),
    (check_quantise, quantise),
    (check_quantise, quantise_by_expansion),
    (check_quantise, quantise_in_place),
)


test_names_each_known_mistake = mistakes_test(check_bits_per_pixel, check_quantise)


def test_stubs_get_the_hint():
    assert_rejected(check_bits_per_pixel(not_implemented), "not implemented yet", "np.ceil(np.log2(K))")
    assert_rejected(check_quantise(not_implemented), "not implemented yet", "np.argmin")


def test_the_quantisation_cases_have_no_ties():
    """With a tie, two answers would be right; the cases avoid them, so one reference suffices."""
    for case in _quantise_cases():
        image, centres = (np.asarray(a, dtype=float) for a in case.args)
        d2 = np.sort(((image[:, :, None, :] - centres) ** 2).sum(axis=-1), axis=-1)
        if centres.shape[0] > 1:
            assert np.all(d2[..., 1] - d2[..., 0] > 1e-9), case.name


def test_the_wrap_around_is_caught_where_it_happens():
    wrapped = check_quantise.exercise.mistakes[1]
    assert wrapped.name == "8-bit arithmetic"
    assert_rejected(check_quantise(wrapped.wrong), "uint8", "8-bit intensities")


def test_rounding_down_passes_the_powers_of_two_and_fails_at_three():
    assert_rejected(
        check_bits_per_pixel(lambda N, K: int(np.log2(K)) + 24 * K / N), "Bishop's image, K = 3", "round up"
    )
