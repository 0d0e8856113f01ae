"""How long prepare_image takes on a camera-sized photo, against a plain full decode.

Run on demand: `uv run python bench/bench_images.py`. Target: a 6000x4000 JPEG in < 400 ms.
The baseline is measured in the same run on the same file, so the ratio is what matters when
comparing machines.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from mistral_chat.services.images import prepare_image

RUNS = 5
TARGET_MS = 400.0


def photo_like(size: tuple[int, int]) -> Image.Image:
    """Noise over gradients: compresses like a photo (a few MB per 24 MP), not like a flat fill."""
    vertical = Image.linear_gradient("L").resize(size)
    horizontal = vertical.transpose(Image.Transpose.ROTATE_90).resize(size)
    noise = Image.effect_noise(size, 24)
    red = Image.blend(vertical, noise, 0.35)
    green = Image.blend(horizontal, noise.transpose(Image.Transpose.FLIP_TOP_BOTTOM), 0.35)
    blue = Image.blend(vertical.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise, 0.25)
    return Image.merge("RGB", (red, green, blue))


def timed(fn: Callable[[], object]) -> tuple[float, list[float]]:
    """First run (cold caches) and RUNS further runs, in milliseconds."""
    samples = []
    for _ in range(RUNS + 1):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples[0], samples[1:]


def full_decode(path: Path) -> None:
    with Image.open(path) as im:
        im.load()


def bench(path: Path, target_ms: float | None) -> bool:
    size_mb = path.stat().st_size / 1e6
    with Image.open(path) as im:
        fmt, dims = im.format, f"{im.width}x{im.height}"
    print(f"\n{path.name}: {fmt} {dims}, {size_mb:.1f} MB")

    base_first, base = timed(lambda: full_decode(path))
    prep_first, prep = timed(lambda: prepare_image(path))
    result = prepare_image(path)
    base_med, prep_med = statistics.median(base), statistics.median(prep)

    print(f"  baseline Image.open().load()  first {base_first:7.1f} ms   median {base_med:7.1f} ms")
    print(f"  prepare_image()               first {prep_first:7.1f} ms   median {prep_med:7.1f} ms")
    print(f"  ratio prepare/baseline        {prep_med / base_med:.2f}x")
    print(
        f"  output {result.mime} {result.width}x{result.height}, "
        f"{len(result.data) / 1024:.0f} KiB (resized={result.resized})"
    )
    if target_ms is None:
        return True
    ok = prep_med < target_ms
    print(f"  target < {target_ms:.0f} ms: {'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        jpeg = Path(tmp, "photo-6000x4000.jpg")
        photo_like((6000, 4000)).save(jpeg, "JPEG", quality=90)
        png = Path(tmp, "screenshot-4000x3000.png")
        photo_like((4000, 3000)).save(png, "PNG", compress_level=6)
        print(f"Python {sys.version.split()[0]}, Pillow {Image.__version__}, median of {RUNS}")
        ok = bench(jpeg, TARGET_MS)
        bench(png, None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
