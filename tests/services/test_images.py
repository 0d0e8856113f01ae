"""prepare_image and friends: formats, limits, orientation, scaling, and the errors users see."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, JpegImagePlugin

from mistral_chat.services import image_encoding, images
from mistral_chat.services.images import ImageError, PreparedImage, prepare_image


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def photo(size: tuple[int, int]) -> Image.Image:
    """Noise over a gradient: compresses like a photo, not like a flat square."""
    noise = Image.effect_noise(size, 40)
    gradient = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def gradient(size: tuple[int, int]) -> Image.Image:
    """Cheap to encode and decode: for tests about geometry, not compression."""
    return Image.linear_gradient("L").resize(size).convert("RGB")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def png_chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions: the classic decompression bomb shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("fmt", "mime", "mode"),
    [
        ("PNG", "image/png", "RGBA"),
        ("JPEG", "image/jpeg", "RGB"),
        ("WEBP", "image/webp", "RGB"),
        ("GIF", "image/gif", "P"),
    ],
)
def test_each_accepted_format_round_trips(tmp_path: Path, fmt: str, mime: str, mode: str) -> None:
    data = encode(Image.new(mode, (120, 80), 1 if mode == "P" else "teal"), fmt)
    path = write(tmp_path, f"pic.{fmt.lower()}", data)

    img = prepare_image(path)

    assert (img.mime, img.width, img.height) == (mime, 120, 80)
    assert (img.original_width, img.original_height, img.resized) == (120, 80, False)
    assert img.source_name == f"pic.{fmt.lower()}"
    assert img.data == data  # nothing to change: sent byte for byte
    assert img.data_uri() == f"data:{mime};base64,{base64.b64encode(data).decode()}"
    with Image.open(io.BytesIO(img.data)) as decoded:
        assert decoded.format == fmt


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_large_image_keeps_its_format_when_scaled(fmt: str) -> None:
    img = prepare_image(encode(gradient((3000, 1000)), fmt), name="wide")

    assert (img.width, img.height, img.resized) == (1024, 341, True)
    assert (img.original_width, img.original_height) == (3000, 1000)
    with Image.open(io.BytesIO(img.data)) as decoded:
        assert (decoded.format, decoded.size) == (fmt, (1024, 341))


def test_max_side_is_configurable_and_keeps_aspect() -> None:
    img = prepare_image(encode(photo((400, 1000)), "PNG"), max_side=100)
    assert (img.width, img.height) == (40, 100)


def test_large_jpeg_is_drafted_then_resized_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import JpegImagePlugin

    decoded: list[tuple[int, int]] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, *args: object) -> object:
        result = real_draft(self, *args)  # type: ignore[arg-type]
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    img = prepare_image(encode(gradient((4096, 2048)), "JPEG"), name="big.jpg")
    assert (img.mime, img.width, img.height) == ("image/jpeg", 1024, 512)
    assert img.resized
    # libjpeg was asked for 1/4 scale: the full 8-megapixel image was never decoded.
    assert decoded == [(1024, 512)]


def test_gif_that_must_change_becomes_png() -> None:
    gif = encode(Image.new("P", (2048, 1024), 3), "GIF")
    img = prepare_image(gif, name="big.gif")
    assert (img.mime, img.width, img.height) == ("image/png", 1024, 512)
    assert img.data.startswith(b"\x89PNG")


def test_exif_orientation_6_swaps_width_and_height() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = encode(Image.new("RGB", (200, 100), "navy"), "JPEG", exif=exif)

    img = prepare_image(data, name="phone.jpg")

    assert (img.width, img.height) == (100, 200)
    assert (img.original_width, img.original_height, img.resized) == (100, 200, False)
    with Image.open(io.BytesIO(img.data)) as decoded:
        assert decoded.size == (100, 200)
        assert decoded.getexif().get(0x0112) is None  # orientation applied, metadata dropped


def test_exif_orientation_applies_before_scaling() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    img = prepare_image(encode(gradient((3000, 1000)), "JPEG", exif=exif))
    assert (img.width, img.height, img.original_width, img.original_height) == (
        341,
        1024,
        1000,
        3000,
    )


def test_cmyk_jpeg_is_sent_as_rgb() -> None:
    img = prepare_image(encode(Image.new("CMYK", (50, 40), (0, 255, 255, 0)), "JPEG"))
    with Image.open(io.BytesIO(img.data)) as decoded:
        assert (decoded.format, decoded.mode, decoded.size) == ("JPEG", "RGB", (50, 40))


def test_palette_png_with_transparency_scales_smoothly() -> None:
    im = Image.new("P", (2000, 2000), 0)
    im.info["transparency"] = 0
    img = prepare_image(encode(im, "PNG", transparency=0))
    assert (img.mime, img.width) == ("image/png", 1024)


def test_sixteen_bit_png_scales() -> None:
    img = prepare_image(encode(Image.new("I;16", (2048, 100), 40000), "PNG"))
    assert (img.mime, img.width, img.height) == ("image/png", 1024, 50)


def test_lossless_webp_stays_lossless() -> None:
    src = photo((1200, 64))
    img = prepare_image(encode(src, "WEBP", lossless=True))
    assert image_encoding._webp_is_lossless(img.data)
    lossy = prepare_image(encode(src, "WEBP", quality=80))
    assert not image_encoding._webp_is_lossless(lossy.data)


def test_wrong_extension_is_detected_from_content(tmp_path: Path) -> None:
    path = write(tmp_path, "really-a-png.jpg", encode(Image.new("RGB", (10, 10)), "PNG"))
    assert prepare_image(path).mime == "image/png"


def test_animated_gif_is_refused_with_its_frame_count(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "lime", "blue", "white")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    path = write(tmp_path, "cat.gif", buf.getvalue())

    with pytest.raises(ImageError) as caught:
        prepare_image(path)
    assert str(caught.value) == (
        "cat.gif is an animated GIF (4 frames); only single-frame GIFs are accepted: "
        "export one frame as PNG"
    )


def test_animated_webp_is_refused() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "lime")]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageError, match=r"animated WEBP \(2 frames\)"):
        prepare_image(buf.getvalue(), name="anim.webp")


@pytest.mark.parametrize(("fmt", "named"), [("BMP", "a BMP image"), ("TIFF", "a TIFF image")])
def test_other_formats_are_refused_naming_them(tmp_path: Path, fmt: str, named: str) -> None:
    path = write(tmp_path, "scan.png", encode(Image.new("RGB", (8, 8)), fmt))
    with pytest.raises(ImageError) as caught:
        prepare_image(path)
    message = str(caught.value)
    assert message.startswith(f"scan.png is {named}; ")
    assert "PNG, JPEG, WEBP and single-frame GIF" in message


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG"),
        (b"%PDF-1.7\n", "is not an image"),
        (b"just some text", "is not an image"),
    ],
)
def test_non_images_are_refused(data: bytes, named: str) -> None:
    with pytest.raises(ImageError, match=named):
        prepare_image(data, name="thing")


def test_truncated_jpeg_is_refused() -> None:
    data = encode(photo((400, 300)), "JPEG")
    with pytest.raises(ImageError, match=r"^cut\.jpg is a corrupt or truncated JPEG file \("):
        prepare_image(data[: len(data) // 2], name="cut.jpg")


def test_truncated_large_jpeg_is_refused_in_draft_mode_too() -> None:
    data = encode(photo((2400, 1600)), "JPEG")
    with pytest.raises(ImageError, match="corrupt or truncated JPEG"):
        prepare_image(data[: len(data) // 2], name="cut.jpg")


def test_garbage_after_png_signature_is_refused() -> None:
    with pytest.raises(ImageError, match="corrupt or truncated PNG"):
        prepare_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, name="bad.png")


@pytest.mark.parametrize("side", [20_000, 100_000])  # Pillow's warning zone, then its error zone
def test_decompression_bomb_header_is_refused(side: int) -> None:
    with pytest.raises(ImageError, match="too large to decode safely"):
        prepare_image(png_claiming(side, side // 2), name="bomb.png")


def test_pixel_limit_is_a_parameter() -> None:
    data = encode(Image.new("RGB", (300, 200)), "PNG")
    with pytest.raises(ImageError, match=r"300x200 pixels, over the limit"):
        prepare_image(data, name="a.png", max_pixels=50_000)
    assert prepare_image(data, max_pixels=60_000).width == 300


def test_result_over_max_bytes_is_refused() -> None:
    data = encode(photo((600, 400)), "PNG")
    with pytest.raises(
        ImageError, match=r"^noisy\.png is [\d.]+ kB after preparation, over the 10 kB"
    ):
        prepare_image(data, name="noisy.png", max_bytes=10_000)


def test_oversized_original_is_reencoded_before_refusing() -> None:
    # Metadata padding makes the file big; re-encoding without it fits.
    data = encode(Image.new("RGB", (64, 64), "red"), "PNG", icc_profile=b"x" * 50_000)
    img = prepare_image(data, max_bytes=40_000)
    assert len(img.data) <= 40_000 and img.mime == "image/png"


def test_missing_file_and_directory_and_empty(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"^no such file: "):
        prepare_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="is a directory"):
        prepare_image(tmp_path)
    with pytest.raises(ImageError, match="is empty"):
        prepare_image(write(tmp_path, "empty.png", b""))


def test_image_count_limit() -> None:
    images.check_image_count(8)
    with pytest.raises(ImageError) as caught:
        images.check_image_count(9)
    assert "at most 8 images per message" in str(caught.value)
    assert images.MAX_IMAGES_PER_MESSAGE == 8


def test_test_image_is_a_png_square_of_the_colour() -> None:
    img = images.test_image("#00ff00", "64x48")
    assert isinstance(img, PreparedImage)
    assert (img.mime, img.width, img.height) == ("image/png", 64, 48)
    with Image.open(io.BytesIO(img.data)) as decoded:
        assert decoded.getpixel((0, 0)) == (0, 255, 0)
    assert images.test_image().width == 100
    assert images.test_image("navy", (3, 2)).height == 2


def test_test_image_bad_colour_lists_examples() -> None:
    with pytest.raises(ImageError, match=r"unknown colour 'blurple'.*e\.g\. red"):
        images.test_image("blurple")


@pytest.mark.parametrize("text", ["", "x", "0x5", "5x0", "4097x1", "10x", "axb", "1x2x3", "-1x4"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ImageError, match="expected WIDTHxHEIGHT"):
        images.parse_size(text)


def test_parse_size_forms() -> None:
    assert images.parse_size("64x48") == (64, 48)
    assert images.parse_size(" 64 X 48 ") == (64, 48)
    assert images.parse_size("32") == (32, 32)


@given(st.integers(1, 4096), st.integers(1, 4096))
def test_parse_size_round_trips(width: int, height: int) -> None:
    assert images.parse_size(f"{width}x{height}") == (width, height)


@given(st.integers(4097, 10**9) | st.integers(-(10**6), 0), st.integers(1, 4096))
def test_parse_size_refuses_out_of_range(width: int, height: int) -> None:
    with pytest.raises(ImageError):
        images.parse_size(f"{width}x{height}")


def test_sniff_names_formats() -> None:
    assert images.sniff_image_format(b"\x00\x00\x00\x18ftypheic") == "HEIC"
    assert images.sniff_image_format(b"\x00\x00\x00\x18ftypavif") == "AVIF"
    assert images.sniff_image_format(b"\x00\x00\x00\x18ftypisom") is None
    assert images.sniff_image_format(b"BMW is a car brand, not a bitmap") is None


def test_module_import_does_not_load_pillow() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys, mistral_chat.services.images, mistral_chat.services.attachments; "
        "print(sorted({'PIL', 'http.client', 'zipfile'} & set(sys.modules)))"
    )
    src = Path(images.__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    assert result.stdout.strip() == "[]"


def test_a_photo_in_a_png_goes_as_a_high_quality_jpeg() -> None:
    source = encode(photo((2000, 1500)), "PNG", compress_level=1)
    sent = prepare_image(source, name="photo.png")
    assert (sent.mime, sent.width, sent.height, sent.resized) == ("image/jpeg", 1024, 768, True)
    with Image.open(io.BytesIO(sent.data)) as im:
        assert im.format == "JPEG" and im.layers == 3
        # quality 90 without chroma subsampling: colours keep their full resolution
        assert im.quantization is not None and len(im.quantization) == 2  # luma, chroma
        assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4
    as_png = encode(Image.open(io.BytesIO(source)).resize((1024, 768)), "PNG", compress_level=3)
    assert len(sent.data) * 2 < len(as_png)
    # an opaque alpha channel is no transparency; a small photo that needs no change too
    opaque = photo((600, 400)).convert("RGBA")
    assert prepare_image(encode(opaque, "PNG")).mime == "image/jpeg"


@pytest.mark.parametrize(
    "what",
    ["transparent", "screenshot", "sixteen-bit", "palette"],
)
def test_what_jpeg_would_harm_stays_png(what: str) -> None:
    from PIL import ImageDraw

    if what == "transparent":
        im = photo((1200, 800)).convert("RGBA")
        im.putalpha(Image.linear_gradient("L").resize((1200, 800)))
    elif what == "screenshot":  # flat colours and sharp text: what PNG is for
        im = Image.new("RGB", (1600, 1000), "white")
        draw = ImageDraw.Draw(im)
        for y in range(0, 1000, 20):
            draw.text((10, y), "def f(x): return x * 2  # a line of code " * 3, fill="black")
        draw.rectangle((1200, 100, 1500, 400), fill="#3366cc")
    elif what == "sixteen-bit":
        im = Image.linear_gradient("L").resize((1500, 1000)).convert("I;16")
    else:
        im = photo((1200, 800)).quantize(64)
    sent = prepare_image(encode(im, "PNG"), name=f"{what}.png")
    assert sent.mime == "image/png" and sent.resized
