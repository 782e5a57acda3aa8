"""The page-image check: render the public GRF report's pages to PNG (pdftoppm) and report each
page's inked share and how far down its text area it is filled; fail on a page inked below the
threshold (a blank-page regression).

    .venv/bin/python bench/page_images.py                       # the demo registry, a fresh one
    .venv/bin/python bench/page_images.py --pdf report.pdf      # a PDF made already
    .venv/bin/python bench/page_images.py --save docs/report-pages --pages 1 3

"Ink" is the share of a page's pixels darker than light grey (the running header and page
number alone ink about 0.1 % of an A4 page; a half page of text about 3 %). "Fill" is how far
down the text area (between the running header and the footer) the last inked row is. Exits 1,
naming the pages, when a page's ink is below --threshold. Needs pdftoppm (poppler-utils) and
Pillow. The suite runs it on a small registry (tests/reports/test_page_images.py, slow).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
#: A page inked below this share of its pixels is reported as blank.
THRESHOLD = 0.005
#: The text area of an A4 page in the print stylesheet: 22 mm top and 20 mm bottom margins.
TOP, BOTTOM = 22 / 297, 20 / 297
DARK = 200  # grey level (0-255) below which a pixel is ink
DPI = 40


def page_images(pdf: Path, folder: Path, dpi: int = DPI) -> list[Path]:
    """Each page of `pdf` as a greyscale PNG in `folder`, in page order."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: install poppler-utils")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "page")],
        check=True,
    )
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def measure(image: Path) -> dict:
    """The page's inked share and the fill of its text area (0 to 1)."""
    from PIL import Image

    with Image.open(image) as page:
        grey = page.convert("L")
        width, height = grey.size
        dark = grey.point(lambda level: 255 if level < DARK else 0)
        inked = sum(dark.histogram()[255:])
        top, bottom = int(height * TOP), int(height * (1 - BOTTOM))
        box = dark.crop((0, top, width, bottom)).getbbox()
    fill = 0.0 if box is None else box[3] / (bottom - top)
    return {"ink": inked / (width * height), "fill": round(fill, 3)}


def check(pdf: Path, threshold: float = THRESHOLD, save: Path | None = None, pages=()) -> list:
    """[(page number, ink, fill)] of every page; `save` keeps the PNGs of `pages` there."""
    with tempfile.TemporaryDirectory() as tmp:
        images = page_images(pdf, Path(tmp), dpi=72 if save else DPI)
        found = [(n, *measure(image).values()) for n, image in enumerate(images, start=1)]
        if save:
            save.mkdir(parents=True, exist_ok=True)
            for n in pages:
                shutil.copy(images[n - 1], save / f"grf-page-{n}.png")
    return found


def demo_report(folder: Path) -> Path:
    """The public GRF report of a fresh demo registry (all pledges)."""
    env = os.environ | {"INSTANCE_PATH": str(folder), "LOG_LEVEL": "WARNING"}
    out = folder / "grf.pdf"
    for args in (
        ["registry", "demo-data"],
        ["registry", "report", "grf", "--pledge", "all", "--audience", "public", "--out", out],
    ):
        done = subprocess.run(
            [FLASK, "--app", "app", *map(str, args)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(done.stderr or done.stdout)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, help="a PDF made already (default: the demo's)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--save", type=Path, help="keep the PNGs of --pages in this folder")
    parser.add_argument("--pages", type=int, nargs="*", default=[1, 3])
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = options.pdf or demo_report(Path(tmp))
        found = check(pdf, options.threshold, options.save, options.pages)
    blank = [n for n, ink, _fill in found if ink < options.threshold]
    print(f"{'page':>4}  {'ink':>6}  {'fill':>5}")
    for n, ink, fill in found:
        mark = "  BLANK" if n in blank else ("  under half full" if fill < 0.5 else "")
        print(f"{n:>4}  {ink:6.2%}  {fill:5.0%}{mark}")
    if blank:
        print(f"pages inked below {options.threshold:.1%}: {', '.join(map(str, blank))}")
        return 1
    print(f"{len(found)} pages, none inked below {options.threshold:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
