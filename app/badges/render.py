"""Pictures: a badge's PNG (uploaded or a generated medal) and the certificate PNG, baked
with its Open Badges assertion. Both are rendered once and cached in the instance dir.

Pillow has no font fallback, so every character drawn must be in the shipped GBK subset of
Noto Sans SC (static/fonts/); characters outside it (emoji, rare scripts) are left out.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont, ImageOps, PngImagePlugin

from app.core import clock

from .models import Badge, Certificate

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {"regular": "NotoSansSC-GBK-Regular.otf", "bold": "NotoSansSC-GBK-Bold.otf"}
BADGE_SIZE = 480
WIDTH, HEIGHT = 1080, 1440
CREAM = (255, 252, 244)
GOLD = (201, 162, 39)
GOLD_SOFT = (232, 211, 150)
BRAND = (15, 157, 118)
BRAND_DARK = (11, 124, 93)
INK = (31, 35, 41)
MUTED = (110, 118, 130)
RED = (210, 48, 48)


@lru_cache(maxsize=32)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[weight]), size)


def drawable(text: str) -> str:
    """`text` without characters the GBK font subset cannot draw (they would be tofu)."""
    kept = []
    for ch in text:
        if ch in "\r\n\t":
            kept.append(" ")
            continue
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            continue
        if ch.isprintable():
            kept.append(ch)
    return " ".join("".join(kept).split())


def _cache_dir(name: str) -> Path:
    path = Path(current_app.instance_path) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cached(path: Path, make: Callable[[], bytes]) -> bytes:
    """Read a rendered file, or render it and write it atomically (workers may race)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = make()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def _png(image: Image.Image, info: PngImagePlugin.PngInfo | None = None) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()


# --- Badge pictures ----------------------------------------------------------------------


def medal(name: str, size: int = BADGE_SIZE) -> Image.Image:
    """A generated medal with the badge's first character, for badges without a picture."""
    seed = hashlib.sha256(name.encode()).digest()
    hues = [(15, 157, 118), (255, 138, 61), (91, 60, 196), (29, 111, 214), (214, 69, 107)]
    color = hues[seed[0] % len(hues)]
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    pad = size // 24
    draw.ellipse((pad, pad, size - pad, size - pad), fill=GOLD)
    inner = size // 10
    draw.ellipse((inner, inner, size - inner, size - inner), fill=color)
    ring = size // 7
    draw.ellipse(
        (ring, ring, size - ring, size - ring), outline=(255, 255, 255, 170), width=max(2, size // 80)
    )
    letter = drawable(name)[:1] or "★"
    draw.text((size / 2, size / 2), letter, font=font("bold", size // 3), fill="white", anchor="mm")
    return image


def _badge_image(badge: Badge) -> Image.Image:
    upload = badge.image
    if upload is not None:
        variant = "lg" if "lg" in upload.variants else (upload.variants[-1] if upload.variants else "")
        path = upload.path(variant)
        if path.is_file():
            with Image.open(path) as picture:
                return ImageOps.fit(picture.convert("RGBA"), (BADGE_SIZE, BADGE_SIZE))
    return medal(badge.name)


def badge_png(badge: Badge) -> bytes:
    """The badge's picture as a square PNG (what Open Badges BadgeClass.image points to)."""
    key = (
        badge.image.key
        if badge.image is not None
        else "medal-" + hashlib.sha1(badge.name.encode()).hexdigest()[:8]
    )
    path = _cache_dir("badge-images") / f"{badge.id}-{key}.png"
    return _cached(path, lambda: _png(_badge_image(badge)))


# --- Certificates ------------------------------------------------------------------------


def _fit(draw: ImageDraw.ImageDraw, text: str, weight: str, size: int, width: int) -> ImageFont.FreeTypeFont:
    """The largest font (down to half `size`) that draws `text` within `width` pixels."""
    current = size
    while current > size // 2 and draw.textlength(text, font=font(weight, current)) > width:
        current -= 2
    return font(weight, current)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int, lines: int
) -> list[str]:
    """Break `text` into at most `lines` lines of `width` pixels (CJK breaks anywhere)."""
    out: list[str] = []
    current = ""
    for ch in text:
        if draw.textlength(current + ch, font=face) > width:
            out.append(current)
            current = ch.lstrip()
            if len(out) == lines:
                out[-1] = out[-1][:-1] + "…"
                return out
        else:
            current += ch
    if current:
        out.append(current)
    return out


def _qr(url: str, size: int) -> Image.Image:
    code = qrcode.QRCode(border=1, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    picture = code.make_image(fill_color=INK, back_color="white").get_image().convert("RGB")
    return picture.resize((size, size), Image.Resampling.NEAREST)


def _frame(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((28, 28, WIDTH - 29, HEIGHT - 29), outline=GOLD, width=6)
    draw.rectangle((48, 48, WIDTH - 49, HEIGHT - 49), outline=GOLD_SOFT, width=2)
    for cx, cy in ((48, 48), (WIDTH - 49, 48), (48, HEIGHT - 49), (WIDTH - 49, HEIGHT - 49)):
        draw.regular_polygon((cx, cy, 16), 4, fill=GOLD)
    draw.rectangle((49, 49, WIDTH - 50, 92), fill=BRAND)


def _divider(draw: ImageDraw.ImageDraw, y: int) -> None:
    draw.line((WIDTH / 2 - 220, y, WIDTH / 2 - 24, y), fill=GOLD, width=2)
    draw.line((WIDTH / 2 + 24, y, WIDTH / 2 + 220, y), fill=GOLD, width=2)
    draw.regular_polygon((WIDTH / 2, y, 10), 4, fill=GOLD)


def _date_text(instant: datetime) -> str:
    day = clock.local(instant).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _draw_certificate(certificate: Certificate, badge: Badge, verify_url: str, site_name: str) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), CREAM)
    draw = ImageDraw.Draw(image)
    _frame(draw)
    center = WIDTH / 2
    draw.text((center, 70), drawable(site_name), font=font("bold", 26), fill="white", anchor="mm")
    draw.text((center, 200), "荣 誉 证 书", font=font("bold", 92), fill=INK, anchor="mm")
    draw.text(
        (center, 282), "CERTIFICATE  OF  ACHIEVEMENT", font=font("regular", 24), fill=MUTED, anchor="mm"
    )
    _divider(draw, 330)
    draw.text((center, 392), "兹 证 明", font=font("regular", 34), fill=MUTED, anchor="mm")
    name = drawable(certificate.recipient_name) or "—"
    draw.text((center, 470), name, font=_fit(draw, name, "bold", 80, 820), fill=BRAND_DARK, anchor="mm")
    draw.line((center - 260, 532, center + 260, 532), fill=GOLD_SOFT, width=2)

    art = _badge_image(badge).resize((300, 300), Image.Resampling.LANCZOS)
    mask = Image.new("L", art.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 299, 299), fill=255)
    ring_box = (center - 162, 568, center + 162, 892)
    draw.ellipse(ring_box, fill="white", outline=GOLD, width=6)
    alpha = art.getchannel("A") if art.mode == "RGBA" else None
    if alpha is not None:
        mask = Image.composite(mask, Image.new("L", art.size, 0), alpha)
    image.paste(art.convert("RGB"), (int(center - 150), 580), mask)

    title = f"荣获「{drawable(badge.name)}」徽章"
    draw.text((center, 950), title, font=_fit(draw, title, "bold", 52, 860), fill=INK, anchor="mm")
    y = 1012
    if certificate.circle_name:
        circle = "圈子：" + drawable(certificate.circle_name)
        draw.text(
            (center, y), circle, font=_fit(draw, circle, "regular", 32, 820), fill=BRAND_DARK, anchor="mm"
        )
        y += 52
    note = drawable(certificate.award.reason or badge.description or badge.criteria)
    face = font("regular", 28)
    for line in _wrap(draw, note, face, 800, 2):
        draw.text((center, y), line, font=face, fill=MUTED, anchor="mm")
        y += 42

    _divider(draw, 1110)
    label = font("regular", 26)
    rows = [
        ("颁发日期", _date_text(certificate.issued_at)),
        ("证书编号", certificate.serial),
        ("颁发单位", drawable(site_name)),
    ]
    for i, (key, text) in enumerate(rows):
        top = 1150 + i * 64
        draw.text((110, top), key, font=label, fill=MUTED)
        draw.text((250, top - 4), text, font=_fit(draw, text, "bold", 32, 480), fill=INK)
    qr = _qr(verify_url, 180)
    image.paste(qr, (WIDTH - 110 - 180, 1136))
    draw.text((WIDTH - 110 - 90, 1344), "扫码验证真伪", font=font("regular", 22), fill=MUTED, anchor="mm")
    if certificate.is_revoked:
        _stamp_revoked(image)
    return image


def _stamp_revoked(image: Image.Image) -> None:
    stamp = Image.new("RGBA", (760, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rounded_rectangle((6, 6, 754, 214), radius=24, outline=(*RED, 220), width=10)
    draw.text((380, 110), "已撤销 REVOKED", font=font("bold", 84), fill=(*RED, 220), anchor="mm")
    rotated = stamp.rotate(18, expand=True, resample=Image.Resampling.BICUBIC)
    image.paste(rotated, ((WIDTH - rotated.width) // 2, 560), rotated)


def _openbadges_chunk(assertion: dict[str, Any]) -> PngImagePlugin.PngInfo:
    """An `iTXt` chunk keyed `openbadges` holding the assertion (Open Badges 2.0 baking)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadges", json.dumps(assertion, ensure_ascii=False), lang="", tkey="", zip=False)
    return info


def certificate_png(
    certificate: Certificate, assertion: dict[str, Any], verify_url: str, site_name: str
) -> bytes:
    """The baked certificate PNG, rendered once per (certificate, base URL, revoked) and cached."""
    state = "revoked" if certificate.is_revoked else "valid"
    fingerprint = hashlib.sha1(f"{verify_url}|{site_name}|{state}".encode()).hexdigest()[:12]
    path = _cache_dir("certificates") / f"{certificate.code}-{fingerprint}.png"

    def make() -> bytes:
        picture = _draw_certificate(certificate, certificate.award.badge, verify_url, site_name)
        return _png(picture, _openbadges_chunk(assertion))

    return _cached(path, make)
