"""Colour quantisation: the nearest centre per pixel, block means, and the bits of Bishop's §9.1.1."""

import math

import numpy as np
import pytest

from mixlib import images


def test_bits_reproduce_bishops_counts():
    # Bishop's 240 × 180 image: 43,248, 86,472 and 173,040 bits for K = 2, 3 and 10.
    N = 240 * 180
    assert [images.compressed_bits(N, K) for K in (2, 3, 10)] == [43_248, 86_472, 173_040]
    assert images.raw_bits(N) == 24 * N == 1_036_800


@pytest.mark.parametrize("K", [1, 2, 3, 4, 5, 8, 9, 255, 256, 257])
def test_label_bits_are_the_ceiling_of_log2(K):
    N = 1000
    label_bits = images.compressed_bits(N, K) - 24 * K
    assert label_bits == N * math.ceil(math.log2(K))
    assert images.bits_per_pixel(N, K) == pytest.approx(label_bits / N + 24 * K / N)


def test_label_bits_are_exact_where_a_float_log2_rounds():
    # log2(2**53 + 1) rounds to exactly 53.0 in floating point, so its ceiling would be one bit short.
    K = 2**53 + 1
    assert math.ceil(math.log2(K)) == 53
    assert images.compressed_bits(1, K, channels=1, bits_per_channel=1) == 54 + K


def test_bits_follow_the_channels_and_their_depth():
    assert images.compressed_bits(10, 4, bits_per_channel=16, channels=1) == 10 * 2 + 4 * 16
    assert images.raw_bits(10, bits_per_channel=16, channels=1) == 160


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)])
def test_bits_refuse_counts_that_are_not_positive_integers(bad, error):
    with pytest.raises(error, match="n_colours"):
        images.compressed_bits(10, bad)
    with pytest.raises(error, match="n_pixels"):
        images.bits_per_pixel(bad, 2)


def test_quantise_takes_the_nearest_centre_of_every_pixel():
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(7, 5, 3))
    centres = rng.uniform(size=(4, 3))
    quantised, labels = images.quantise(image, centres)
    d2 = ((image[:, :, None, :] - centres[None, None]) ** 2).sum(axis=-1)
    np.testing.assert_array_equal(labels, d2.argmin(axis=-1))
    np.testing.assert_array_equal(quantised, centres[labels])
    assert quantised.shape == image.shape and labels.shape == (7, 5)


def test_quantise_does_not_wrap_8_bit_intensities():
    image = np.array([[[250, 10, 10], [5, 5, 5]]], dtype=np.uint8)
    centres = np.array([[0, 0, 0], [255, 0, 0]], dtype=np.uint8)
    _, labels = images.quantise(image, centres)
    np.testing.assert_array_equal(labels, [[1, 0]])


@pytest.mark.parametrize(
    "image, centres, match",
    [
        (np.zeros((4, 3)), np.zeros((2, 3)), "shape \\(H, W, C\\)"),
        (np.zeros((2, 2, 3)), np.zeros((2, 4)), "centres must have shape \\(K, 3\\)"),
        (np.full((2, 2, 3), np.nan), np.zeros((2, 3)), "NaN"),
        (np.zeros((2, 2, 3)), np.full((2, 3), np.inf), "centres contains NaN or inf"),
    ],
)
def test_quantise_refuses_bad_shapes_with_the_fix(image, centres, match):
    with pytest.raises(ValueError, match=match):
        images.quantise(image, centres)


def test_downscale_averages_blocks_and_drops_the_ragged_edge():
    image = np.arange(5 * 4 * 2, dtype=float).reshape(5, 4, 2)
    small = images.downscale(image, 2)
    assert small.shape == (2, 2, 2)
    np.testing.assert_allclose(small[1, 0], image[2:4, 0:2].mean(axis=(0, 1)))
    with pytest.raises(ValueError, match="factor"):
        images.downscale(image, 6)


def test_the_sample_photograph_ships_with_matplotlib():
    image = images.load_grace_hopper()
    assert image.shape == (600, 512, 3) and 0.0 <= image.min() and image.max() <= 1.0
    assert images.load_grace_hopper(downscale_by=2).shape == (300, 256, 3)
