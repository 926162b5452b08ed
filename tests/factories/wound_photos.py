"""Real images made with Pillow, and wound photos stored through the upload service."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from recovery.models import Patient, WoundPhoto
from recovery.services.wound_photos import wound_photo_upload

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_bytes(
    size: tuple[int, int] = (64, 32),
    *,
    color: tuple[int, int, int] = (200, 80, 80),
    orientation: int | None = None,
    gps: bool = False,
) -> bytes:
    """A JPEG; with `gps`, EXIF carries a location; with `orientation`, the rotation tag."""
    image = Image.new("RGB", size, color)
    # A marker in the top-left corner, to check which way up the stored image is.
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 40), *, alpha: bool = True) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (10, 160, 10, 128)[: 4 if alpha else 3])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def bomb_png_bytes(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG whose header claims width x height pixels (400 megapixels) in a few hundred bytes
    of compressed zeros: decoding it would need gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def upload_file(data: bytes, name: str = "wound.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo_body(data: bytes | None = None, **fields: Any) -> dict[str, Any]:
    """A valid multipart POST body: a fresh id, taken a minute ago, a small JPEG."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "taken_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "image": upload_file(data if data is not None else jpeg_bytes()),
    }
    body.update(fields)
    return body


def make_wound_photo(
    patient: Patient,
    *,
    taken_at: datetime | None = None,
    now: datetime | None = None,
    color: tuple[int, int, int] = (200, 80, 80),
    size: tuple[int, int] = (64, 32),
) -> WoundPhoto:
    """A photo stored through the real service (files and row)."""
    taken_at = taken_at or timezone.now() - timedelta(minutes=1)
    return wound_photo_upload(
        patient=patient,
        photo_id=uuid.uuid4(),
        taken_at=taken_at,
        image=upload_file(jpeg_bytes(size, color=color)),
        now=now or max(timezone.now(), taken_at),
    ).photo


def incision_jpeg(redness: float = 0.0, size: tuple[int, int] = (640, 480)) -> bytes:
    """A drawn stand-in for a wound photo: skin, a stapled vertical incision, a coin for
    scale and, with `redness` from 0 to 1, a reddened margin (for screenshots and browser tests).
    """
    from PIL import ImageDraw

    width, height = size
    image = Image.new("RGB", size, (224, 180, 150))
    draw = ImageDraw.Draw(image)
    if redness:
        red = (int(224 + 20 * redness), int(180 - 90 * redness), int(150 - 80 * redness))
        draw.ellipse((width // 2 - 60, 60, width // 2 + 60, height - 60), fill=red)
    draw.line((width // 2, 80, width // 2, height - 80), fill=(90, 40, 40), width=6)
    for y in range(100, height - 90, 30):
        draw.line((width // 2 - 14, y, width // 2 + 14, y), fill=(150, 150, 160), width=3)
    draw.ellipse((40, height - 120, 110, height - 50), fill=(190, 160, 90))  # the coin
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def make_incision_photo(patient: Patient, *, postop_day: int, redness: float = 0.0) -> WoundPhoto:
    """A drawn wound photo taken at noon (patient's clock) on `postop_day`."""
    surgery_date = patient.surgeries.order_by("-date").first().date
    taken = datetime.combine(
        surgery_date + timedelta(days=postop_day), datetime.min.time(), patient.tz
    ) + timedelta(hours=12)
    return wound_photo_upload(
        patient=patient,
        photo_id=uuid.uuid4(),
        taken_at=taken,
        image=upload_file(incision_jpeg(redness)),
        now=max(timezone.now(), taken),
    ).photo
