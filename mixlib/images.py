"""Colour images as data for k-means: pixels as points, a palette as centres, and its cost in bits.

An image of H × W pixels with C channels is N = H·W points x_n in R^C.  K-means
with K centres μ_k (the **codebook**, or palette) replaces each pixel by its
nearest centre; this is **vector quantisation**, as in Bishop's §9.1.1:

- :func:`load_grace_hopper`: matplotlib's sample photograph, with intensities in [0, 1];
- :func:`downscale`: block means, to make an image smaller with less aliasing than dropping pixels;
- :func:`quantise`: every pixel replaced by its nearest centre;
- :func:`compressed_bits` and :func:`bits_per_pixel`: what sending the labels and the
  codebook costs, N ⌈log₂ K⌉ + K·C·b bits for b bits per channel.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive_int, float_array, real_array
from .clustering import _nearest_centres, squared_distances


def load_grace_hopper(*, downscale_by: int = 1) -> np.ndarray:
    """The photograph of Grace Hopper that matplotlib ships as sample data (600 × 512 pixels, RGB).

    Returns an array of shape (H, W, 3) with intensities in [0, 1] (the file's 8-bit
    values divided by 255), optionally shrunk by :func:`downscale`.  Nothing is downloaded:
    the file is part of matplotlib's installation.
    """
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt

    factor = check_positive_int(downscale_by, "downscale_by")
    image = plt.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) / 255.0
    return downscale(image, factor) if factor > 1 else image


def _check_image(image, name: str = "image") -> np.ndarray:
    image = real_array(image, name)
    if image.ndim != 3 or 0 in image.shape:
        raise ValueError(
            f"{name} must have shape (H, W, C) with one row of pixels per row of the picture and "
            f"C channels (3 for RGB), got shape {image.shape}."
        )
    if not np.all(np.isfinite(image)):
        raise ValueError(f"{name} contains NaN or inf; every intensity must be finite.")
    return image


def downscale(image, factor: int) -> np.ndarray:
    """Shrink an (H, W, C) image by an integer factor, each new pixel the mean of a factor × factor block
    (averaging, rather than keeping every factor-th pixel, is what limits aliasing).

    Rows and columns that do not fill a whole block at the bottom and right edges are dropped."""
    image = _check_image(image)
    factor = check_positive_int(factor, "factor")
    H, W, C = image.shape
    if factor > min(H, W):
        raise ValueError(f"factor={factor} is larger than the image ({H} × {W}); use a factor of at most {min(H, W)}.")
    h, w = H // factor, W // factor
    blocks = image[: h * factor, : w * factor].reshape(h, factor, w, factor, C)
    return blocks.mean(axis=(1, 3))


def quantise(image, centres) -> tuple[np.ndarray, np.ndarray]:
    """Replace every pixel of an (H, W, C) image by its nearest centre.

    Returns ``(quantised, labels)``: the (H, W, C) image whose pixel is μ_k for the k
    that minimises ‖x_n − μ_k‖² (the first such k on a tie), and the (H, W) integer
    array of those k, the **segmentation** of the image into K regions.
    """
    image = _check_image(image)
    H, W, C = image.shape
    centres = float_array(centres, "centres")
    if centres.ndim != 2 or centres.shape[1] != C or centres.shape[0] == 0:
        raise ValueError(
            f"centres must have shape (K, {C}), one colour per row with the image's {C} channels, "
            f"got shape {centres.shape}."
        )
    labels, _ = _nearest_centres(squared_distances(image.reshape(-1, C), centres))
    labels = labels.astype(np.intp).reshape(H, W)
    return centres[labels], labels


def compressed_bits(n_pixels: int, n_colours: int, *, bits_per_channel: int = 8, channels: int = 3) -> int:
    """The bits needed to send an image of N pixels quantised to K colours:
    N ⌈log₂ K⌉ for the labels (each label a whole number of bits) plus K·C·b for the
    codebook (K colours of C channels at b bits each).  With K = 1 the labels cost nothing."""
    N = check_positive_int(n_pixels, "n_pixels")
    K = check_positive_int(n_colours, "n_colours")
    b = check_positive_int(bits_per_channel, "bits_per_channel")
    C = check_positive_int(channels, "channels")
    label_bits = (K - 1).bit_length()  # ⌈log₂ K⌉ exactly, where a float log2 could round
    return N * label_bits + K * C * b


def bits_per_pixel(n_pixels: int, n_colours: int, *, bits_per_channel: int = 8, channels: int = 3) -> float:
    """:func:`compressed_bits` divided by the number of pixels N, to compare with the C·b
    bits (24 for 8-bit RGB) of a raw pixel."""
    return compressed_bits(n_pixels, n_colours, bits_per_channel=bits_per_channel, channels=channels) / n_pixels


def raw_bits(n_pixels: int, *, bits_per_channel: int = 8, channels: int = 3) -> int:
    """N·C·b: the bits of the image sent pixel by pixel, without a codebook."""
    return (
        check_positive_int(n_pixels, "n_pixels")
        * check_positive_int(channels, "channels")
        * check_positive_int(bits_per_channel, "bits_per_channel")
    )


__all__ = ["bits_per_pixel", "compressed_bits", "downscale", "load_grace_hopper", "quantise", "raw_bits"]
