"""Smaller copies of uploaded photos, so list pages never ship a full-size image.

`thumbnail_url(image, size)` answers the URL of a WebP copy that fits the named box, made once
with Pillow and kept in the same storage as the original under `thumbs/<size>/` (local directory
or bucket alike). A photo Pillow cannot read falls back to the original's URL: a page never fails
because of a bad upload.
"""

import functools
import logging
import posixpath
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

# Box sizes in pixels (width, height): the list's cards and the detail page's photo.
SIZES = {"card": (480, 360), "detail": (1200, 900)}
QUALITY = 80


def thumbnail_name(name: str, size: str) -> str:
    """Where the `size` copy of the stored file `name` lives: thumbs/<size>/<name>.webp."""
    stem, _ = posixpath.splitext(name)
    return f"thumbs/{size}/{stem}.webp"


def make_thumbnail(source: bytes, box: tuple[int, int]) -> bytes:
    """Shrink an image (never enlarge it) to fit `box`, upright per its EXIF, as WebP bytes."""
    with Image.open(BytesIO(source)) as opened:
        image = ImageOps.exif_transpose(opened)
        image.thumbnail(box, Image.Resampling.LANCZOS)
        if image.mode not in {"RGB", "RGBA"}:
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        out = BytesIO()
        image.save(out, format="WEBP", quality=QUALITY, method=4)
        return out.getvalue()


@functools.lru_cache(maxsize=8192)
def _ensure(storage: Storage, name: str, size: str) -> str:
    """The thumbnail's stored name, made first if the storage lacks it (remembered per process)."""
    target = thumbnail_name(name, size)
    if not storage.exists(target):
        with storage.open(name, "rb") as original:
            data = make_thumbnail(original.read(), SIZES[size])
        storage.save(target, ContentFile(data))
    return target


def thumbnail_url(image, size: str = "card") -> str:
    """The URL of `image`'s copy for `size` ("card" or "detail"); "" without an image."""
    if not image:
        return ""
    if size not in SIZES:
        raise ValueError(f"unknown thumbnail size {size!r}; known: {', '.join(SIZES)}")
    storage = getattr(image, "storage", default_storage)
    try:
        return storage.url(_ensure(storage, image.name, size))
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("no thumbnail for %s; serving the original", image.name, exc_info=True)
        return image.url


def forget_made_thumbnails() -> None:
    """Forget which thumbnails this process has seen (tests that switch MEDIA_ROOT call this)."""
    _ensure.cache_clear()
