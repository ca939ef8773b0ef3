"""The HTML report in a real headless browser (Debian chromium): it renders without a server and shows the heatmap.

Chromium is part of the test environment (.ci/run and `run.py test` install it); a missing
browser fails the test rather than skipping it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from controlgraph.exports.heatmap import BAR_H, heatmap_cells
from controlgraph.exports.html_report import html_report

HAVE = ["iso27001-2022", "nist-csf-2.0"]
TARGETS = ["iso27017-2015", "iso27018-2019", "csa-ccm-4", "nist-csf-2.0"]
WIDTH, HEIGHT = 1400, 1000


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (run.py test and .ci/run do this)")
    return found


def _browser(report: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--force-color-profile=srgb", f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},{HEIGHT}"]
    return subprocess.run([_chromium(), *flags, *mode, report.as_uri()], capture_output=True, text=True, timeout=120)


def _png_pixels(data: bytes, rows: int) -> tuple[int, int, Counter[tuple[int, int, int]]]:
    """(width, height, colour counts of the first ``rows`` rows) of an 8-bit RGB/RGBA PNG, decoded by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    channels = 4 if colour_type == 6 else 3
    stride = width * channels
    raw = zlib.decompress(idat)
    previous = bytearray(stride)
    counts: Counter[tuple[int, int, int]] = Counter()
    for y in range(min(rows, height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[i - channels] if i >= channels else 0
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        counts.update(zip(line[0::channels], line[1::channels], line[2::channels], strict=True))
        previous = line
    return width, height, counts


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@pytest.fixture(scope="module")
def report(built_store, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html_report(built_store, HAVE, TARGETS), encoding="utf-8")
    return path


def test_report_is_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "url(" not in text


def test_screenshot_shows_the_heatmap(report: Path, built_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shot = tmp_path / "report.png"
    done = _browser(report, tmp_path, f"--screenshot={shot}")
    assert shot.is_file(), done.stderr[-2000:]
    width, height, colours = _png_pixels(shot.read_bytes(), rows=520)
    assert (width, height) == (WIDTH, HEIGHT)
    cells = heatmap_cells(built_store, HAVE, TARGETS)
    area: Counter[tuple[int, int, int]] = Counter()
    for cell in cells:
        for _level, fill, _x, bar_width in cell.segments():
            area[_rgb(fill)] += int(bar_width * BAR_H)
    assert len(area) >= 3, "the data should give several levels in the bars"
    for colour, pixels in area.items():
        # Stacked bars: each level's colour covers its share of every bar (edges are anti-aliased).
        assert colours[colour] >= 0.6 * pixels, (colour, colours[colour], pixels)
    assert any(c.partial for c in cells)


def test_rendered_dom_holds_the_svg(report: Path, tmp_path: Path) -> None:
    done = _browser(report, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="coverage-heatmap"' in dom
    assert dom.count('class="cell"') == (len(HAVE) + 1) * len(TARGETS)
    for target in TARGETS:
        assert f'id="gaps-{target}"' in dom
    assert "Provenance" in dom
    assert "Cloud Controls Matrix" in dom  # columns carry framework names, not only slugs
    assert dom.count('class="seg-') >= len(TARGETS)
    assert "likely" in dom and "expected" in dom
