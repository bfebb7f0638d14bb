"""Screenshots in the report: a thumbnail inline as a data: URI, the full image beside it.

The HTML must stand alone (mail it, attach it to a CI run), so thumbnails are embedded; full
images would make it tens of megabytes, so they are copied into `screenshots/` next to the
report and linked relatively. A screenshot path in the ledger may be absolute or relative to the
working directory the run had, or to the ledger's folder; the first that exists is used.
"""

from __future__ import annotations

import base64
import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Screenshot", "find_image", "screenshot"]

THUMB_WIDTH = 720   # at most; a thumbnail is shown at its own size, so its text stays readable
THUMB_HEIGHT = 540
_MARGIN = 16


@dataclass(frozen=True, slots=True)
class Screenshot:
    """What the template needs: a data: URI thumbnail and the full image's relative link."""

    thumb: str | None
    href: str | None
    missing: str | None = None

    def __repr__(self) -> str:
        return f"<Screenshot {self.href or self.missing}>"


def find_image(path: str, search: list[Path]) -> Path | None:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for base in [Path.cwd(), *search]:
        if (base / candidate).is_file():
            return base / candidate
    return None


def _content_box(img: Any) -> tuple[int, int, int, int]:
    """Where the page has something on it: the screenshot cut to its content, at full size.

    Store pages leave most of a 1280-pixel-wide screenshot empty (the basket sits in the left
    half); scaling all of it down makes its prices unreadable. The background is the colour of
    the bottom-right corner; full-width bands (a header bar) count for the height, not the width."""
    from PIL import Image, ImageChops

    background = img.getpixel((img.width - 1, img.height - 1))
    diff = ImageChops.difference(img, Image.new("RGB", img.size, background)).convert("L")
    mask = diff.point(lambda v: 255 if v > 24 else 0)
    box = mask.getbbox()
    if box is None:
        return (0, 0, min(img.width, THUMB_WIDTH), min(img.height, THUMB_HEIGHT))
    for y in range(box[1], box[3]):  # blank out bands across the page before measuring the width
        if mask.crop((0, y, img.width, y + 1)).histogram()[255] > img.width * 0.6:
            mask.paste(0, (0, y, img.width, y + 1))
    right = (mask.getbbox() or box)[2]
    return (0, 0, min(img.width, right + _MARGIN), min(img.height, box[3] + _MARGIN))


def _thumbnail(image: Path) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image) as opened:
            img = opened.convert("RGB")
        img = img.crop(_content_box(img))
        if img.width > THUMB_WIDTH:  # content wider than a thumbnail: the least shrinking that fits
            img = img.resize((THUMB_WIDTH, max(1, img.height * THUMB_WIDTH // img.width)))
        # Store pages are long: keep the top, where the promise usually is.
        if img.height > THUMB_HEIGHT:
            img = img.crop((0, 0, img.width, THUMB_HEIGHT))
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=80, optimize=True)
    except (OSError, UnidentifiedImageError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def screenshot(path: str, evidence_id: str, out_dir: Path, search: list[Path]) -> Screenshot:
    """Embed a thumbnail of the screenshot at `path` and copy the original under `out_dir`."""
    image = find_image(path, search)
    if image is None:
        return Screenshot(None, None, missing=path)
    thumb = _thumbnail(image)
    if thumb is None:  # not an image: never copy an arbitrary file next to a report
        return Screenshot(None, None, missing=f"{path} (not an image)")
    target_dir = out_dir / "screenshots"
    target_dir.mkdir(parents=True, exist_ok=True)
    suffix = image.suffix.lower() if image.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp"} else ".png"
    target = target_dir / f"{evidence_id}{suffix}"
    if image.resolve() != target.resolve():
        shutil.copyfile(image, target)
    return Screenshot(thumb, f"screenshots/{target.name}")
