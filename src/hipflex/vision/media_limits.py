"""Size limits checked before any pixel is decoded (the Pillow adapter: headers only).

A 629-byte JPEG can declare 32000 x 32000 pixels; decoding it would allocate 3 GB. So the
declared size is read from the file's header first (Pillow's ``Image.open`` is lazy: it parses
the header and allocates no pixels) and anything over the limits below is refused:

- photos (``hipflex analyze``): at most ``MAX_PHOTO_PIXELS`` (50 megapixels, more than any
  phone camera) and ``MAX_PHOTO_SIDE_PX`` on a side;
- video frames: at most ``MAX_VIDEO_PIXELS`` (DCI 4K, 4096 x 2160) per frame, read from the
  container before the first frame is decoded;
- camera frames from the browser: ``web.camera_bridge`` refuses more than 1280 px a side.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

MAX_PHOTO_PIXELS = 50_000_000
MAX_PHOTO_SIDE_PX = 16_384
MAX_VIDEO_PIXELS = 4096 * 2160


class OversizedError(ValueError):
    """The header declares more pixels than allowed (the message says how many)."""


def declared_image_size(data: bytes | Path) -> tuple[int, int] | None:
    """``(width, height)`` from an image file's header, without decoding its pixels;
    ``None`` when Pillow cannot read the header (the decoder will then say what is wrong)."""
    from PIL import Image

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the size check below is ours
            with Image.open(source) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:
        # Pillow itself refuses absurd sizes at open, before reading any pixel.
        bomb = 2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6
        raise OversizedError(
            f"declares over {bomb:.0f} megapixels; the limit is {MAX_PHOTO_PIXELS / 1e6:.0f}"
            " megapixels"
        ) from exc
    except (OSError, ValueError, SyntaxError):
        return None
    return int(width), int(height)


def check_pixels(
    width_px: int, height_px: int, *, max_pixels: int, max_side_px: int | None = None
) -> None:
    """Raise :class:`OversizedError` when a ``width x height`` image is over the limits."""
    pixels = width_px * height_px
    if pixels > max_pixels or (max_side_px is not None and max(width_px, height_px) > max_side_px):
        limit = f"{max_pixels / 1e6:.0f} megapixels"
        if max_side_px is not None:
            limit += f" and {max_side_px} px a side"
        raise OversizedError(
            f"declares {width_px}x{height_px} pixels ({pixels / 1e6:.0f} megapixels); "
            f"the limit is {limit}"
        )


def check_photo_header(data: bytes | Path) -> None:
    """Refuse a photo whose header declares more than the photo limits."""
    size = declared_image_size(data)
    if size is not None:
        check_pixels(*size, max_pixels=MAX_PHOTO_PIXELS, max_side_px=MAX_PHOTO_SIDE_PX)


__all__ = [
    "MAX_PHOTO_PIXELS",
    "MAX_PHOTO_SIDE_PX",
    "MAX_VIDEO_PIXELS",
    "OversizedError",
    "check_photo_header",
    "check_pixels",
    "declared_image_size",
]
