"""How long prepare_image takes on a camera-sized photo, and what it sends.

Run on demand: `uv run python bench/bench_images.py`. Target: a 6000x4000 JPEG in < 400 ms.
The baseline is measured in the same run on the same file, so the ratio is what matters when
comparing machines.

A photo saved as a 4000x3000 PNG is measured paired: A is the previous encoding (a PNG,
resized with LANCZOS all the way), B the current one (a box reduction first, and a
high-quality JPEG for a photo), run alternately on the same bytes; reported are the bytes
sent (the base64 data URI that goes in the request) and the time, with their B/A ratios.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from mistral_chat.services import images
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
        f"{len(result.data) / 1e3:.0f} kB (resized={result.resized})"
    )
    if target_ms is None:
        return True
    ok = prep_med < target_ms
    print(f"  target < {target_ms:.0f} ms: {'met' if ok else 'MISSED'}")
    return ok


def previous_encoding(path: Path) -> images.PreparedImage:
    """prepare_image as it was: PNG stays PNG, LANCZOS resamples the whole way."""
    gap, photo = images._GAP, images.looks_like_photo
    images._GAP, images.looks_like_photo = None, lambda im: False  # type: ignore[assignment]
    try:
        return prepare_image(path)
    finally:
        images._GAP, images.looks_like_photo = gap, photo


def paired(path: Path, runs: int = 7) -> None:
    """A (previous encoding) and B (current), alternately, on the same file."""
    a_times, b_times = [], []
    a = b = None
    for _ in range(runs):
        for label, fn, times in (("A", previous_encoding, a_times), ("B", prepare_image, b_times)):
            start = time.perf_counter()
            result = fn(path)
            times.append((time.perf_counter() - start) * 1000)
            if label == "A":
                a = result
            else:
                b = result
    assert a is not None and b is not None
    a_ms, b_ms = statistics.median(a_times), statistics.median(b_times)
    a_wire, b_wire = len(a.data_uri()), len(b.data_uri())
    print(f"\n{path.name}: {path.stat().st_size / 1e6:.1f} MB, paired A/B, median of {runs}")
    print(
        f"  A previous  {a.mime} {a.width}x{a.height}: {a_wire / 1e3:8.1f} kB sent, {a_ms:6.1f} ms"
    )
    print(
        f"  B current   {b.mime} {b.width}x{b.height}: {b_wire / 1e3:8.1f} kB sent, {b_ms:6.1f} ms"
    )
    print(f"  B/A  bytes sent {b_wire / a_wire:.3f}x, time {b_ms / a_ms:.2f}x")
    for mbit in (10, 2):  # what the bytes cost over a home or a mobile uplink (computed)
        print(
            f"  at {mbit} Mbit/s up: A {a_wire * 8 / mbit / 1e6:.2f} s, B {b_wire * 8 / mbit / 1e6:.2f} s"
        )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        jpeg = Path(tmp, "photo-6000x4000.jpg")
        photo_like((6000, 4000)).save(jpeg, "JPEG", quality=90)
        png = Path(tmp, "photo-4000x3000.png")
        photo_like((4000, 3000)).save(png, "PNG", compress_level=6)
        print(f"Python {sys.version.split()[0]}, Pillow {Image.__version__}, median of {RUNS}")
        ok = bench(jpeg, TARGET_MS)
        bench(png, None)
        paired(png)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
