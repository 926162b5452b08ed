"""Wound-photo image processing: decode an upload, apply its orientation, re-encode clean JPEGs.

Pure apart from Pillow: bytes in, bytes out, no Django. Re-encoding from decoded pixels is what
strips metadata: EXIF (GPS above all), XMP, ICC comments and maker notes never reach the output
because only pixels are written. The original upload is never kept.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF (iPhone photos); the wheel bundles libheif
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - pillow-heif is a pinned dependency
    HEIF_SUPPORTED = False

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "HEIF"})
# A 48-megapixel phone photo is well under this; a decompression bomb (a tiny file that
# decodes to gigabytes of pixels) is refused before its pixels are decoded.
DEFAULT_MAX_PIXELS = 50_000_000
DISPLAY_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 320
JPEG_QUALITY = 85

NOT_AN_IMAGE = "This file is not a photo we can read. Send a JPEG, PNG or HEIC image."
TOO_MANY_PIXELS = "This image is too large to process. Send a photo straight from the camera."


class ImageRejected(ValueError):
    """The upload is not an acceptable image; the message is safe to show the patient."""


@dataclass(frozen=True)
class ProcessedImage:
    display: bytes  # JPEG, longest side at most DISPLAY_MAX_SIDE
    thumbnail: bytes  # JPEG, longest side at most THUMBNAIL_MAX_SIDE
    width: int  # of the display image
    height: int


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, above its own global limit; we check our own below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, OSError, ValueError) as exc:
        if isinstance(exc, Image.DecompressionBombWarning):
            raise ImageRejected(TOO_MANY_PIXELS) from exc
        raise ImageRejected(NOT_AN_IMAGE) from exc
    except Image.DecompressionBombError as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(NOT_AN_IMAGE)
    width, height = image.size
    # Checked from the header, before any pixel is decoded.
    if width * height > max_pixels:
        raise ImageRejected(TOO_MANY_PIXELS)
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: the JPEG carries pixels only.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process_wound_photo(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ProcessedImage:
    """Decode `data` and return clean display and thumbnail JPEGs; raises ImageRejected."""
    image = _open(data, max_pixels)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)  # apply the camera's orientation tag
        clean = _rgb(upright)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(NOT_AN_IMAGE) from exc
    display = clean.copy()
    display.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = clean.copy()
    thumbnail.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        display=_jpeg(display),
        thumbnail=_jpeg(thumbnail),
        width=display.width,
        height=display.height,
    )
