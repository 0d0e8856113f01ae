"""Images for a chat message: check them, orient them, scale them and encode them for the API.

The API accepts PNG, JPEG, WEBP and single-frame GIF, at most 10 MB each and at most 8 per message.
`prepare_image` turns a file (or bytes) into a `PreparedImage` that goes on the wire as a data URI:

    >>> img = prepare_image("photo.jpg")                     # doctest: +SKIP
    >>> img.mime, img.width, img.height, img.resized          # doctest: +SKIP
    ('image/jpeg', 1024, 768, True)
    >>> img.data_uri()[:23]                                   # doctest: +SKIP
    'data:image/jpeg;base64,'

What it does, in order:
- the format is sniffed from the content (magic bytes, then Pillow), never from the extension;
  anything else (BMP, TIFF, HEIC, SVG, PDF ...) is refused naming what it is, and so is an
  animation (an animated GIF, APNG or WEBP: the model would only ever see one frame);
- images above `max_pixels` are refused before decoding (Pillow's decompression-bomb guard is
  turned into the same error, never a leaked warning), corrupt or truncated files are refused;
- a large JPEG is decoded at reduced scale (libjpeg DCT scaling, Pillow's draft mode) no smaller
  than the target, so a 24-megapixel photo is ready faster than a plain full decode of it
  (~90 ms; see bench/bench_images.py);
- EXIF orientation is applied, the longest side is scaled down to `max_side` with LANCZOS;
- the result keeps its format family: PNG stays PNG, JPEG stays JPEG (quality 90), WEBP stays
  WEBP (lossless if the source was). A GIF that must be changed becomes a PNG (lossless, keeps
  transparency; re-quantising to 256 colours would lose quality), and its MIME type says so.
  One exception: a photo saved as PNG (8 bits a channel, no transparency, nearly every pixel
  its own colour) goes as a high-quality JPEG (quality 90, no chroma subsampling) when that is
  smaller: 4000x3000 pixels of photo were a 1.1 MB PNG, and are ~75 kB of JPEG at 1024 px.
  Screenshots, charts and drawings (few flat colours, sharp edges) stay PNG;
  Re-encoding drops EXIF (orientation is already applied, and it may hold a GPS position) but
  keeps the ICC colour profile;
- an image that needs no change is sent byte for byte as it was read.

Exceptions:

    ValueError
     └── ImageError    one line for the user: what is wrong, why, and what to do

Pillow is imported inside the functions that need it: importing this module stays cheap.
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import UsageError
from mistral_chat.services.image_encoding import encoded, looks_like_photo

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ACCEPTED_MIME_TYPES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "MAX_IMAGES_PER_MESSAGE",
    "ImageError",
    "PreparedImage",
    "TooManyImages",
    "check_image_count",
    "parse_size",
    "prepare_image",
    "sniff_image_format",
    "test_image",
]

MAX_IMAGES_PER_MESSAGE: Final = 8
DEFAULT_MAX_SIDE: Final = 1024
#: Mistral's "10 MB" per image, read as 10,000,000 bytes: within the limit whichever MB it means
DEFAULT_MAX_BYTES: Final = 10_000_000
# Pillow's own default bomb threshold (~89.5 megapixels); far above any real camera's output.
DEFAULT_MAX_PIXELS: Final = 89_478_485
MAX_TEST_IMAGE_SIDE: Final = 4096

ACCEPTED_MIME_TYPES: Final = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_ACCEPTED_TEXT = "only PNG, JPEG, WEBP and single-frame GIF images are accepted"
_GAP: float | None = 1.5  # Pillow's reducing_gap (None: LANCZOS all the way, the old way)
_EXIF_ORIENTATION = 0x0112
# Errors Pillow's decoders raise on damaged input (struct.error from header parsers).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


class ImageError(UsageError, ValueError):
    """An image that cannot be sent; the message is one line: what, why, what to do."""


@dataclass(frozen=True)
class PreparedImage:
    """An image ready for the API: encoded bytes, their true MIME type and their dimensions.

    `original_width`/`original_height` are the source's dimensions as displayed (after EXIF
    orientation), so `resized` means exactly "scaled down from the original".

        >>> test_image("red", (2, 2)).data_uri()[:22]
        'data:image/png;base64,'
    """

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    source_name: str
    original_width: int
    original_height: int
    resized: bool

    def data_uri(self) -> str:
        """The image as a `data:` URI, the form the API's `image_url` accepts."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


class TooManyImages(ImageError):
    """More images than one message may carry."""


def check_image_count(n: int) -> None:
    """Refuse more than `MAX_IMAGES_PER_MESSAGE` images in one message."""
    if n > MAX_IMAGES_PER_MESSAGE:
        raise TooManyImages(
            f"{n} images in one message; the API takes at most {MAX_IMAGES_PER_MESSAGE} images "
            "per message: send the rest in a follow-up message"
        )


def sniff_image_format(head: bytes) -> str | None:
    """Name the image format of content starting with `head` (64+ bytes is plenty), or None.

    Names the four accepted formats as Pillow does ("PNG", "JPEG", "WEBP", "GIF") and some
    that are refused ("BMP", "TIFF", "HEIC", "AVIF", "SVG", ...), so errors can say which.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return "BMP"
    if head.startswith((b"II*\0", b"MM\0*")):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "HEIC"
        return None
    if head.startswith(b"\0\0\0\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "JPEG 2000"
    if head.startswith((b"\xff\x0a", b"\0\0\0\x0cJXL \r\n\x87\n")):
        return "JPEG XL"
    if head.startswith(b"8BPS"):
        return "PSD"
    if head.startswith(b"qoif"):
        return "QOI"
    if head.startswith(b"\0\0\1\0") and len(head) >= 6 and head[4:6] != b"\0\0":
        return "ICO"
    if _looks_like_svg(head):
        return "SVG"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in text


def prepare_image(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    max_side: int = DEFAULT_MAX_SIDE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PreparedImage:
    """Check, orient, scale and encode one image; raise `ImageError` if it cannot be sent.

    `name` labels the image in errors and in `source_name` (default: the file's name).
    `max_pixels` can only lower Pillow's own decompression-bomb limit, never raise it.
    """
    if max_side < 1:
        raise ImageError(f"the largest image side must be at least 1 pixel, not {max_side}")
    data, label = _read(path_or_bytes, name)
    fmt = sniff_image_format(data[:1024]) or _pillow_format(data)
    if fmt not in ACCEPTED_MIME_TYPES:
        raise ImageError(_unsupported_message(label, fmt))
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow warns (rather than raises) between 1x and 2x its limit: make that an error too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _prepare(data, fmt, label, max_side, max_bytes, max_pixels)
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(_too_many_pixels(label, None, max_pixels)) from exc
        except _DECODE_ERRORS as exc:
            raise ImageError(
                f"{label} is a corrupt or truncated {fmt} file ({_reason(exc)}); "
                "re-export or re-download it"
            ) from exc


def _prepare(
    data: bytes, fmt: str, label: str, max_side: int, max_bytes: int, max_pixels: int
) -> PreparedImage:
    from PIL import Image, ImageOps

    im: Image.Image = Image.open(io.BytesIO(data), formats=[fmt])
    # A multi-picture JPEG (MPO: stereo or depth photos) is an ordinary JPEG to every decoder.
    frames = 1 if fmt == "JPEG" else getattr(im, "n_frames", 1)
    if frames > 1:
        accepted = "single-frame GIFs" if fmt == "GIF" else f"still {fmt} images"
        raise ImageError(
            f"{label} is an animated {fmt} ({frames} frames); only {accepted} are accepted: "
            "export one frame as PNG"
        )
    width, height = im.size
    if width * height > max_pixels:
        raise ImageError(_too_many_pixels(label, (width, height), max_pixels))

    scale = min(1.0, max_side / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if fmt == "JPEG" and scale < 1.0:
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost; draft never
        # goes below the requested size, so LANCZOS still does the final, exact step.
        im.draft(None, target)
    icc = im.info.get("icc_profile")
    orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
    im.load()

    changed = False
    if orientation in range(2, 9):
        im = ImageOps.exif_transpose(im) or im
        changed = True
        if orientation >= 5:  # a quarter turn: the displayed image is the other way round
            width, height = height, width
            target = target[::-1]
    if im.mode == "CMYK":  # CMYK JPEGs are read wrongly by many decoders; RGB is universal
        im = im.convert("RGB")
        changed = True
    resized = target != (width, height)
    photo = fmt == "PNG" and looks_like_photo(im)  # judged on the source: resizing blends
    if im.size != target:  # after a JPEG draft the decoded size may already be the target
        # a box reduction by a whole factor first, LANCZOS for the last 1.5x or more: ~3x
        # quicker from 4000x3000 to 1024 px, no difference a reader sees (Pillow's
        # reducing_gap; bench/bench_images.py)
        im = _for_resampling(im).resize(target, Image.Resampling.LANCZOS, reducing_gap=_GAP)
    changed = changed or resized

    source_area = width * height
    redo = changed or len(data) > max_bytes
    out_fmt, data = encoded(im, fmt, data, icc, redo, source_area, photo=photo)
    if len(data) > max_bytes:
        raise ImageError(
            f"{label} is {_size(len(data))} after preparation, over the {_size(max_bytes)} limit "
            "for an image: reduce its resolution or save it as JPEG"
        )
    return PreparedImage(
        data=data,
        mime=ACCEPTED_MIME_TYPES[out_fmt],
        width=im.width,
        height=im.height,
        source_name=label,
        original_width=width,
        original_height=height,
        resized=resized,
    )


def _for_resampling(im: Image.Image) -> Image.Image:
    """Palette and bilevel images resize with NEAREST only; give LANCZOS real colour values."""
    if im.mode in ("P", "PA"):
        return im.convert("RGBA" if im.has_transparency_data else "RGB")
    if im.mode == "1":
        return im.convert("L")
    return im


def _read(source: str | os.PathLike[str] | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        data, label = bytes(source), name or "image"
    else:
        path = Path(source)
        label = name or path.name or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImageError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise ImageError(f"{path} is a directory, not an image file") from None
        except OSError as exc:
            raise ImageError(f"cannot read {path}: {_reason(exc)}") from exc
    if not data:
        raise ImageError(f"{label} is empty; {_ACCEPTED_TEXT}")
    return data, label


def _pillow_format(data: bytes) -> str | None:
    """Ask Pillow (all its plugins) to name a format the magic bytes did not recognise."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # only the name is wanted; nothing is decoded
        try:
            with Image.open(io.BytesIO(data)) as im:
                return im.format
        except (UnidentifiedImageError, *_DECODE_ERRORS, Image.DecompressionBombError):
            return None


def _unsupported_message(label: str, fmt: str | None) -> str:
    if fmt is None:
        head = "is not an image (its content matches no known image format)"
    elif fmt == "SVG":
        head = "is an SVG (vector) image"
    else:
        article = "an" if fmt[0] in "AEFILMNORSX" else "a"  # as the letters are spoken
        head = f"is {article} {fmt} image"
    return f"{label} {head}; {_ACCEPTED_TEXT}: convert it to PNG or JPEG"


def _too_many_pixels(label: str, size: tuple[int, int] | None, limit: int) -> str:
    dims = f"{size[0]}x{size[1]} pixels, " if size else ""
    return (
        f"{label} is too large to decode safely ({dims}over the limit of "
        f"{limit / 1e6:.0f} megapixels; it may be a decompression bomb): scale it down first"
    )


def _size(n: int) -> str:
    from mistral_chat.services.transfers import human_size

    return human_size(n).replace(".0 ", " ")  # "10 MB", as the limit is known


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    # Pillow names the stream it read: "cannot identify image file <_io.BytesIO object at 0x...>"
    text = _OBJECT_REPR_RE.sub("", text).strip() or type(exc).__name__
    return text.splitlines()[0]


_OBJECT_REPR_RE = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")


_SIZE_RE = re.compile(r"\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?", re.IGNORECASE)


def parse_size(text: str) -> tuple[int, int]:
    """Parse "WIDTHxHEIGHT" (or "N" for a square) with each side in 1..4096.

    >>> parse_size("64x48")
    (64, 48)
    """
    match = _SIZE_RE.fullmatch(text)
    if match:
        width = int(match[1])
        height = int(match[2]) if match[2] is not None else width
        if 1 <= width <= MAX_TEST_IMAGE_SIDE and 1 <= height <= MAX_TEST_IMAGE_SIDE:
            return width, height
    raise ImageError(
        f"invalid size {text!r}: expected WIDTHxHEIGHT with each side from 1 to "
        f"{MAX_TEST_IMAGE_SIDE}, e.g. 64x48"
    )


def test_image(color: str = "red", size: tuple[int, int] | str = (100, 100)) -> PreparedImage:
    """A plain square (or rectangle) of one colour as a PNG, for trying vision models.

    `color` is a CSS colour name or hex code; `size` is (width, height) or "WxH".
    """
    from PIL import Image, ImageColor

    width, height = (
        parse_size(size) if isinstance(size, str) else parse_size(f"{size[0]}x{size[1]}")
    )
    try:
        rgb = ImageColor.getrgb(color)
    except ValueError:
        raise ImageError(
            f"unknown colour {color!r}: use a CSS colour name or a hex code, "
            "e.g. red, navy, rebeccapurple, #f80, #ff8800"
        ) from None
    buf = io.BytesIO()
    Image.new("RGB", (width, height), rgb[:3]).save(buf, "PNG")
    safe = re.sub(r"[^a-z0-9]+", "", color.lower()) or "color"
    return PreparedImage(
        data=buf.getvalue(),
        mime="image/png",
        width=width,
        height=height,
        source_name=f"test-{safe}-{width}x{height}.png",
        original_width=width,
        original_height=height,
        resized=False,
    )


# Not a pytest test, though its name says so: tests that import it must not collect it.
test_image.__test__ = False  # type: ignore[attr-defined]
