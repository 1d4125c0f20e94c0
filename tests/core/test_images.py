"""The one image pipeline: hostile files refused, metadata stripped, variants served."""

from __future__ import annotations

import io

import pytest
from flask import current_app
from PIL import Image

from app.core import images
from app.core.db import db
from app.core.errors import Invalid
from app.core.uploads import save_file
from tests.helpers import image_bytes, make_user


def open_png(path) -> Image.Image:
    return Image.open(io.BytesIO(path.read_bytes()))


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_gps_exif_is_stripped_and_orientation_applied(app):
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "fixture must carry GPS"
    upload = images.save_image(io.BytesIO(data), owner_id=None, variants=images.POST_IMAGE)
    large = open_png(upload.path("large"))
    assert not large.getexif(), "no EXIF at all may survive"
    assert "exif" not in large.info
    # Orientation 6 means the stored 120x80 picture displays as 80x120.
    assert large.size == (80, 120)
    thumb = open_png(upload.path("thumb"))
    assert thumb.size == (360, 360)


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"just some text, not a picture", "notes.png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "logo.svg"),
        (image_bytes("PNG")[:60], "truncated.png"),
        (image_bytes("BMP"), "old.bmp"),
        (b"", "empty.jpg"),
    ],
)
def test_hostile_or_broken_files_are_refused(app, payload, name):
    with pytest.raises(Invalid):
        images.save_image(io.BytesIO(payload), owner_id=None, variants=images.AVATAR, filename=name)


def test_decompression_bomb_is_refused(app):
    # A tiny PNG that decodes to 12,000 x 12,000 pixels (144 MP > the 40 MP limit).
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(Invalid):
        images.save_image(io.BytesIO(buffer.getvalue()), owner_id=None, variants=images.AVATAR)


def test_oversized_upload_is_refused(app):
    current_app.config["QUANZI_MAX_IMAGE_BYTES"] = 1024
    with pytest.raises(Invalid) as info:
        images.save_image(
            io.BytesIO(image_bytes("PNG", size=(400, 400), color=(1, 2, 3))),
            owner_id=None,
            variants=images.AVATAR,
        )
    assert "MB" in str(info.value.message)


def test_transparent_png_stays_png(app):
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buffer, format="PNG")
    upload = images.save_image(io.BytesIO(buffer.getvalue()), owner_id=None, variants=images.AVATAR)
    assert upload.content_type == "image/png"
    assert open_png(upload.path("sm")).mode == "RGBA"


def test_served_variants_have_type_and_long_cache(app, client):
    user = make_user("pics01")
    upload = images.save_image(io.BytesIO(jpeg_with_gps()), owner_id=user.id, variants=images.AVATAR)
    db.session.commit()
    response = client.get(f"/media/{upload.key}/md")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert not Image.open(io.BytesIO(response.data)).getexif()
    assert client.get(f"/media/{upload.key}/huge").status_code == 404
    assert client.get("/media/nosuchkey/md").status_code == 404


def test_attachments_keep_a_safe_name_and_download(app, client):
    upload = save_file(io.BytesIO(b"%PDF-1.4 fake"), "../../etc/讲义 <v2>.pdf", owner_id=None)
    db.session.commit()
    assert upload.original_name == "讲义 _v2_.pdf"
    assert upload.ext == "pdf"
    assert "/" not in str(upload.path("original").name)
    response = client.get(f"/media/{upload.key}/original")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert response.data == b"%PDF-1.4 fake"
