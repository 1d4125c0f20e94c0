"""The one image pipeline: every uploaded picture (avatars, covers, post images, check-ins).

Refuses non-images (SVG included) and decompression bombs, fixes EXIF orientation, drops all
metadata (GPS!) by re-encoding, and writes the sized variants the templates need.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.core import clock
from app.core.db import db
from app.core.errors import Invalid
from app.core.uploads import Upload, new_key, read_limited, safe_original_name, write_variant

# Pillow warns above this many pixels and refuses at twice it; we refuse at the warning.
Image.MAX_IMAGE_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@dataclass(frozen=True)
class Variant:
    name: str
    size: int  # longest edge, or the edge of the square
    square: bool


AVATAR = (Variant("sm", 96, True), Variant("md", 240, True), Variant("lg", 480, True))
COVER = (Variant("thumb", 360, True), Variant("large", 1200, False))
POST_IMAGE = (Variant("thumb", 360, True), Variant("large", 1600, False))


def open_image(data: bytes) -> Image.Image:
    """Decode and fully load `data`, or raise Invalid with a translatable reason."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise Invalid(_l("Only JPEG, PNG, GIF or WebP pictures can be uploaded."))
            image.load()
        except Invalid:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Invalid(_l("This picture is too large (too many pixels).")) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise Invalid(_l("This file is not a picture we can read, or it is damaged.")) from exc
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)


def _render(image: Image.Image, variant: Variant, alpha: bool) -> bytes:
    if variant.square:
        out = ImageOps.fit(image, (variant.size, variant.size), Image.Resampling.LANCZOS)
    else:
        out = image.copy()
        out.thumbnail((variant.size, variant.size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # A fresh save with no exif/info argument writes no metadata at all.
    if alpha:
        out.save(buffer, format="PNG", optimize=True)
    else:
        out.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def save_image(
    stream: IO[bytes],
    *,
    owner_id: int | None,
    variants: tuple[Variant, ...],
    filename: str | None = None,
    circle_id: int | None = None,
) -> Upload:
    """Validate, re-encode and store an uploaded image with its `variants`."""
    limit = int(current_app.config["QUANZI_MAX_IMAGE_BYTES"])
    max_mb = limit // (1024 * 1024)
    data = read_limited(stream, limit, too_big=_l("Pictures can be at most %(mb)d MB.", mb=max_mb))
    if not data:
        raise Invalid(_l("This file is not a picture we can read, or it is damaged."))
    image = open_image(data)
    image = ImageOps.exif_transpose(image)
    alpha = _has_alpha(image)
    image = image.convert("RGBA" if alpha else "RGB")
    upload = Upload(
        key=new_key(),
        owner_id=owner_id,
        kind="image",
        content_type="image/png" if alpha else "image/jpeg",
        ext="png" if alpha else "jpg",
        original_name=safe_original_name(filename),
        size_bytes=len(data),
        width=image.width,
        height=image.height,
        variants=[v.name for v in variants],
        circle_id=circle_id,
        created_at=clock.now(),
    )
    for variant in variants:
        write_variant(upload, variant.name, _render(image, variant, alpha))
    db.session.add(upload)
    return upload
