"""Event photos: the file rules of panah.core.crypto.files, plus location and face care.

`clean_upload` already re-encodes images without EXIF, GPS, XMP or ICC data. Before it runs we
look whether the picture carried a GPS position, so the coordinator is told it was removed
(the place a photo was taken can betray where someone lives). Faces of people who did not
consent are blurred over rectangles the coordinator marks (no face detection runs here: a
missed face would be worse than a marked one), in percent of the picture.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

GPS_IFD = 0x8825


@dataclass(frozen=True)
class Region:
    """A rectangle in percent of the picture's width and height."""

    left: float
    top: float
    width: float
    height: float


def has_location(data: bytes) -> bool:
    """Whether an image carries a GPS position in its EXIF data."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (PIL is slow to import; only this path needs it)

    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.getexif().get_ifd(GPS_IFD))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


def parse_regions(text: str) -> list[Region]:
    """'left,top,width,height' in percent, one rectangle per line; ValidationError otherwise."""
    regions = []
    for number, line in enumerate(filter(None, (x.strip() for x in text.splitlines())), 1):
        try:
            values = [float(v) for v in line.replace(";", ",").split(",")]
        except ValueError:
            values = []
        if (
            len(values) != 4
            or any(v < 0 or v > 100 for v in values)
            or values[2] <= 0
            or values[3] <= 0
        ):
            raise ValidationError(
                {"blur": _("Line %(n)s: write left, top, width, height in percent (0 to 100).")
                 % {"n": number}}
            )  # fmt: skip
        regions.append(Region(*values))
    return regions


def blur(data: bytes, content_type: str, regions: list[Region]) -> bytes:
    """The image with each region blurred past recognition (re-encoded, still without metadata)."""
    from PIL import Image, ImageFilter  # noqa: PLC0415 (PIL is slow to import; only this path needs it)

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        picture = image.convert("RGB") if content_type == "image/jpeg" else image.copy()
    width, height = picture.size
    for r in regions:
        box = (
            int(width * r.left / 100),
            int(height * r.top / 100),
            min(width, int(width * (r.left + r.width) / 100) + 1),
            min(height, int(height * (r.top + r.height) / 100) + 1),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        patch = picture.crop(box)
        # Pixelate, then blur: a plain Gaussian blur of a small face can be partly undone.
        small = patch.resize((max(1, patch.width // 16), max(1, patch.height // 16)))
        patch = small.resize(patch.size, Image.NEAREST).filter(ImageFilter.GaussianBlur(8))
        picture.paste(patch, box[:2])
    out = io.BytesIO()
    picture.save(out, "JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    return out.getvalue()
