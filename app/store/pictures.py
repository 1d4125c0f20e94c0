"""Soft, product-like illustrations for the demo store items, drawn with Pillow (no text).

Each picture is drawn at twice its size on a pastel gradient with a blurred drop shadow,
then scaled down, so edges come out smooth. The demo uploads them through the image pipeline.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

SIZE = 800
SCALE = 2
Color = tuple[int, int, int]


def _gradient(top: Color, bottom: Color, size: int) -> Image.Image:
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / (size - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((size, size))


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int], radius: int) -> None:
    layer = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(layer).rounded_rectangle(box, radius=radius, fill=70)
    layer = layer.filter(ImageFilter.GaussianBlur(40))
    canvas.paste((40, 40, 60), (0, 0), layer)


def _tote(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.arc(
        (s * 36 // 100, s * 14 // 100, s * 64 // 100, s * 46 // 100),
        180,
        360,
        fill=(196, 170, 132),
        width=s // 40,
    )
    draw.rounded_rectangle(
        (s * 26 // 100, s * 30 // 100, s * 74 // 100, s * 80 // 100), radius=s // 30, fill=(238, 226, 204)
    )
    draw.rounded_rectangle(
        (s * 26 // 100, s * 30 // 100, s * 74 // 100, s * 37 // 100), radius=s // 60, fill=(226, 210, 182)
    )
    draw.ellipse((s * 42 // 100, s * 48 // 100, s * 58 // 100, s * 64 // 100), fill=(15, 157, 118))
    draw.ellipse((s * 46 // 100, s * 52 // 100, s * 54 // 100, s * 60 // 100), fill=(238, 226, 204))


def _coupon(draw: ImageDraw.ImageDraw, s: int) -> None:
    body = (s * 16 // 100, s * 32 // 100, s * 84 // 100, s * 68 // 100)
    draw.rounded_rectangle(body, radius=s // 24, fill=(255, 122, 89))
    draw.rounded_rectangle(
        (s * 16 // 100, s * 32 // 100, s * 40 // 100, s * 68 // 100), radius=s // 24, fill=(255, 160, 122)
    )
    notch = s // 22
    for x in (s * 40 // 100,):
        draw.ellipse((x - notch, body[1] - notch, x + notch, body[1] + notch), fill=(255, 236, 226))
        draw.ellipse((x - notch, body[3] - notch, x + notch, body[3] + notch), fill=(255, 236, 226))
        for y in range(body[1] + notch * 2, body[3] - notch, s // 28):
            draw.rectangle((x - s // 300, y, x + s // 300, y + s // 60), fill=(255, 236, 226))
    draw.ellipse((s * 23 // 100, s * 44 // 100, s * 33 // 100, s * 56 // 100), fill=(255, 236, 226))
    for i, width in enumerate((30, 22, 26)):
        top = s * (42 + i * 6) // 100
        draw.rounded_rectangle(
            (s * 48 // 100, top, s * (48 + width) // 100, top + s // 40), radius=s // 80, fill=(255, 224, 210)
        )


def _frame(draw: ImageDraw.ImageDraw, s: int) -> None:
    c = s // 2
    for r, color in (
        (s * 30 // 100, (255, 196, 92)),
        (s * 26 // 100, (255, 231, 170)),
        (s * 22 // 100, (148, 124, 232)),
    ):
        draw.ellipse((c - r, c - r, c + r, c + r), fill=color)
    draw.ellipse((c - s // 14, c - s // 8, c + s // 14, c - s // 50), fill=(236, 230, 255))
    draw.pieslice((c - s // 7, c - s // 60, c + s // 7, c + s // 4), 180, 360, fill=(236, 230, 255))
    for dx, dy, r in ((-30, -30, 4), (31, -24, 3), (28, 30, 4), (-26, 31, 3), (0, -36, 3)):
        x, y, rr = c + s * dx // 100, c + s * dy // 100, s * r // 100
        draw.polygon(
            [
                (x, y - rr),
                (x + rr // 3, y - rr // 3),
                (x + rr, y),
                (x + rr // 3, y + rr // 3),
                (x, y + rr),
                (x - rr // 3, y + rr // 3),
                (x - rr, y),
                (x - rr // 3, y - rr // 3),
            ],
            fill=(255, 255, 255),
        )


def _crown(draw: ImageDraw.ImageDraw, s: int) -> None:
    base = s * 66 // 100
    points = [
        (s * 24 // 100, base),
        (s * 22 // 100, s * 34 // 100),
        (s * 37 // 100, s * 48 // 100),
        (s * 50 // 100, s * 28 // 100),
        (s * 63 // 100, s * 48 // 100),
        (s * 78 // 100, s * 34 // 100),
        (s * 76 // 100, base),
    ]
    draw.polygon(points, fill=(255, 199, 64))
    draw.rounded_rectangle(
        (s * 23 // 100, base - s // 60, s * 77 // 100, base + s * 8 // 100),
        radius=s // 50,
        fill=(242, 170, 40),
    )
    for x, y in ((22, 34), (50, 28), (78, 34)):
        r = s * 4 // 100
        draw.ellipse(
            (s * x // 100 - r, s * y // 100 - r, s * x // 100 + r, s * y // 100 + r), fill=(255, 240, 200)
        )
    for x in (38, 50, 62):
        r = s * 3 // 100
        draw.ellipse(
            (s * x // 100 - r, base + s // 50, s * x // 100 + r, base + s // 50 + 2 * r), fill=(15, 157, 118)
        )


def _giftbox(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.rounded_rectangle(
        (s * 24 // 100, s * 42 // 100, s * 76 // 100, s * 80 // 100), radius=s // 40, fill=(58, 64, 92)
    )
    draw.rounded_rectangle(
        (s * 20 // 100, s * 32 // 100, s * 80 // 100, s * 44 // 100), radius=s // 40, fill=(74, 82, 116)
    )
    draw.rectangle((s * 46 // 100, s * 32 // 100, s * 54 // 100, s * 80 // 100), fill=(222, 182, 104))
    draw.ellipse(
        (s * 32 // 100, s * 20 // 100, s * 50 // 100, s * 34 // 100), outline=(222, 182, 104), width=s // 45
    )
    draw.ellipse(
        (s * 50 // 100, s * 20 // 100, s * 68 // 100, s * 34 // 100), outline=(222, 182, 104), width=s // 45
    )


def _notebook(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.rounded_rectangle(
        (s * 28 // 100, s * 20 // 100, s * 74 // 100, s * 82 // 100), radius=s // 30, fill=(120, 178, 214)
    )
    draw.rounded_rectangle(
        (s * 34 // 100, s * 20 // 100, s * 74 // 100, s * 82 // 100), radius=s // 30, fill=(148, 200, 230)
    )
    draw.rectangle((s * 64 // 100, s * 20 // 100, s * 68 // 100, s * 82 // 100), fill=(255, 140, 120))
    draw.rounded_rectangle(
        (s * 40 // 100, s * 34 // 100, s * 60 // 100, s * 44 // 100), radius=s // 80, fill=(246, 250, 255)
    )
    for y in (30, 40, 50, 60, 70):
        draw.ellipse((s * 26 // 100, s * y // 100, s * 31 // 100, s * (y + 4) // 100), fill=(90, 100, 120))


def _cup(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.rounded_rectangle(
        (s * 36 // 100, s * 18 // 100, s * 64 // 100, s * 26 // 100), radius=s // 60, fill=(90, 96, 110)
    )
    draw.rounded_rectangle(
        (s * 34 // 100, s * 24 // 100, s * 66 // 100, s * 82 // 100), radius=s // 16, fill=(236, 128, 140)
    )
    draw.rounded_rectangle(
        (s * 34 // 100, s * 46 // 100, s * 66 // 100, s * 58 // 100), radius=s // 200, fill=(250, 236, 238)
    )
    draw.ellipse((s * 46 // 100, s * 48 // 100, s * 54 // 100, s * 56 // 100), fill=(15, 157, 118))


# name -> (gradient top, gradient bottom, drawing)
SUBJECTS: dict[str, tuple[Color, Color, Callable[[ImageDraw.ImageDraw, int], None]]] = {
    "tote": ((236, 248, 242), (206, 232, 220), _tote),
    "coupon": ((255, 243, 236), (255, 222, 206), _coupon),
    "frame": ((243, 240, 255), (220, 212, 250), _frame),
    "crown": ((255, 249, 232), (255, 232, 196), _crown),
    "giftbox": ((236, 238, 248), (206, 210, 232), _giftbox),
    "notebook": ((236, 246, 252), (206, 228, 244), _notebook),
    "cup": ((255, 240, 242), (250, 214, 220), _cup),
}


def product_png(subject: str) -> bytes:
    """An 800x800 PNG of `subject` (a key of SUBJECTS)."""
    top, bottom, draw_subject = SUBJECTS[subject]
    big = SIZE * SCALE
    canvas = _gradient(top, bottom, big)
    _shadow(canvas, (big * 24 // 100, big * 30 // 100, big * 78 // 100, big * 88 // 100), big // 20)
    draw_subject(ImageDraw.Draw(canvas), big)
    image = canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
