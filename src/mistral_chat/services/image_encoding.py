"""How a prepared image is encoded for the wire: its own format, or a JPEG for a photo.

`encoded` keeps an image's format family (PNG stays PNG, JPEG stays JPEG, WEBP stays WEBP,
a changed GIF becomes a PNG), except for a photo saved as PNG (`looks_like_photo`: 8 bits a
channel, no transparency, nearly every pixel its own colour), which goes as a high-quality
JPEG (quality 90, no chroma subsampling) when that is smaller. See `images` for the rest.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["JPEG_QUALITY", "encoded", "looks_like_photo"]

JPEG_QUALITY = 90  # JPEG and lossy WEBP


def encoded(
    im: Image.Image,
    fmt: str,
    data: bytes,
    icc: object,
    changed: bool,
    source_area: int,
    *,
    photo: bool,
) -> tuple[str, bytes]:
    """The format and bytes to send: the source's own when nothing changed, else re-encoded
    in its family; a photo in a PNG goes as a high-quality JPEG when that is smaller."""
    if photo:
        jpeg = _jpeg(im, icc)
        # the PNG's size now: exact when unchanged, else the source's, per pixel, scaled
        png_size = len(data) if not changed else len(data) * im.width * im.height // source_area
        if len(jpeg) * 2 < png_size:  # clearly smaller: no need to encode a PNG to know
            return "JPEG", jpeg
        if changed:  # the estimate is unsure: measure the PNG itself
            encoded = _encode(im, "PNG", icc, lossless=False)
            return ("JPEG", jpeg) if len(jpeg) < len(encoded) else ("PNG", encoded)
        if len(jpeg) < len(data):
            return "JPEG", jpeg
    if not changed:
        return fmt, data
    out_fmt = "PNG" if fmt == "GIF" else fmt
    lossless = _webp_is_lossless(data) if fmt == "WEBP" else False
    return out_fmt, _encode(im, out_fmt, icc, lossless=lossless)


#: a nearest-neighbour sample this large tells a photo (nearly every pixel its own colour)
#: from a screenshot, a chart or a drawing (a few flat colours, sharp edges JPEG would smear)
_SAMPLE_SIDE = 64
_PHOTO_COLOURS = _SAMPLE_SIDE * _SAMPLE_SIDE // 4


def looks_like_photo(im: Image.Image) -> bool:
    """A photo JPEG would not harm: 8 bits a channel, no transparency, and nearly every
    pixel of a sample its own colour (text, charts and drawings have a few flat colours
    and sharp edges that JPEG would smear)."""
    from PIL import Image

    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        return False  # palette (graphics), 16-bit or float pixels: PNG keeps them
    if im.mode in ("RGBA", "LA") and im.getchannel("A").getextrema() != (255, 255):
        return False  # transparency: only PNG keeps it
    sample = im.resize((_SAMPLE_SIDE, _SAMPLE_SIDE), Image.Resampling.NEAREST)
    return sample.getcolors(_PHOTO_COLOURS) is None  # too many colours to count


def _jpeg(im: Image.Image, icc: object) -> bytes:
    """High-quality JPEG: quality 90 and no chroma subsampling (colours keep their detail)."""
    if im.mode in ("RGBA", "LA"):
        im = im.convert(im.mode[:-1])  # an opaque alpha channel: nothing is lost
    options: dict[str, object] = {"icc_profile": icc} if isinstance(icc, bytes) else {}
    buf = io.BytesIO()
    try:  # optimized: ~20% smaller
        im.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True, **options)
    except OSError:  # optimizing needs the JPEG in a buffer of a byte a pixel; noise outgrows it
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0, **options)
    return buf.getvalue()


def _encode(im: Image.Image, fmt: str, icc: object, *, lossless: bool) -> bytes:
    buf = io.BytesIO()
    options: dict[str, object] = {}
    if isinstance(icc, bytes):
        options["icc_profile"] = icc
    if fmt == "JPEG":
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
        im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
    elif fmt == "WEBP":
        im.save(buf, "WEBP", lossless=lossless, quality=JPEG_QUALITY, **options)
    else:
        # zlib's fast levels: ~4x quicker than the default on photographic content, ~10% larger.
        im.save(buf, "PNG", compress_level=3, **options)
    return buf.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """True when the WEBP's image chunk is VP8L (lossless) rather than VP8 (lossy)."""
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if tag in (b"VP8L", b"VP8 "):
            return tag == b"VP8L"
        pos += 8 + size + (size & 1)
    return False
