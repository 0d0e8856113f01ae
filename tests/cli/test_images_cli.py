"""What `ask -a` sends for images, as the emulator (which describes what it got) reports it."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from cli_support import RunCLI


def _photo(size: tuple[int, int]) -> Image.Image:
    """Noise over gradients: compresses like a photo, not like a flat fill."""
    noise = Image.effect_noise(size, 30)
    gradient = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))


def test_a_photo_saved_as_png_goes_out_as_jpeg_a_screenshot_as_png(
    run_cli: RunCLI, tmp_path: Path
) -> None:
    _photo((4000, 3000)).save(tmp_path / "photo.png", compress_level=1)
    shot = Image.new("RGB", (1600, 900), "white")
    ImageDraw.Draw(shot).multiline_text(
        (20, 20), "\n".join(["$ mistral-chat ask hi"] * 30), "black"
    )
    shot.save(tmp_path / "screenshot.png")
    code, out, err = run_cli("ask", "-a", "photo.png", "-a", "screenshot.png", "what are these?")
    assert code == 0, err
    assert "Image 1: JPEG 1024x768" in out and "sent as data URI image/jpeg" in out
    assert "Image 2: PNG 1024x576" in out and "sent as data URI image/png" in out
