"""Static files, uploaded photos and their thumbnails with DEBUG off, as `make serve` runs."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from auctions import thumbnails
from tests.factories import make_auction

pytestmark = pytest.mark.django_db

SERVESTATIC = "servestatic.middleware.ServeStaticMiddleware"


@pytest.fixture
def production_static(settings, tmp_path):
    """DEBUG off with the production static storage, after `collectstatic` into a temp root."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
    }
    middleware = list(settings.MIDDLEWARE)
    if SERVESTATIC not in middleware:
        middleware.insert(1, SERVESTATIC)
    settings.MIDDLEWARE = middleware
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    thumbnails.forget_made_thumbnails()
    yield settings.MEDIA_ROOT
    thumbnails.forget_made_thumbnails()


def _photo(width=2400, height=1600, fmt="JPEG") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format=fmt)
    return SimpleUploadedFile(f"photo.{fmt.lower()}", out.getvalue(), content_type="image/jpeg")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pages_link_hashed_stylesheet_served_compressed_with_a_long_cache(
    production_static, client
):
    page = client.get("/")
    assert page.status_code == 200
    href = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.content.decode())
    assert href, "the page links the content-hashed stylesheet"

    css = client.get(href.group(1), HTTP_ACCEPT_ENCODING="gzip")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert css["Content-Encoding"] == "gzip"
    assert "immutable" in css["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", css["Cache-Control"]).group(1)) >= 365 * 24 * 3600


def test_admin_assets_are_served_with_debug_off(production_static, client):
    login = client.get("/admin/login/")
    href = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.content.decode())
    assert href
    assert client.get(href.group(1)).status_code == 200


def test_unknown_static_file_is_a_404_not_an_error(production_static, client):
    assert client.get("/static/css/nope.css").status_code == 404


def test_uploaded_photo_is_served_with_debug_off(settings, media_root, client):
    settings.DEBUG = False
    auction = make_auction(image=_photo())
    response = client.get(auction.image.url)
    assert response.status_code == 200
    assert _body(response)[:3] == b"\xff\xd8\xff"  # a JPEG
    assert "max-age" in response["Cache-Control"]


def test_media_path_traversal_is_refused(settings, media_root, client):
    settings.DEBUG = False
    # Django answers a path outside MEDIA_ROOT with 400 (SuspiciousFileOperation), never the file.
    assert client.get("/media/../config/settings.py").status_code in {400, 404}
    assert client.get("/media/%2e%2e/manage.py").status_code in {400, 404}


def test_list_page_ships_a_thumbnail_not_the_full_photo(media_root, client):
    auction = make_auction(image=_photo())
    page = client.get("/").content.decode()
    card = re.search(r'<img src="([^"]+)" alt="" class="thumb"', page)
    assert card, "the card shows the photo"
    url = card.group(1)
    assert url != auction.image.url
    assert url.startswith("/media/thumbs/card/") and url.endswith(".webp")

    thumb = client.get(url)
    assert thumb.status_code == 200
    with Image.open(BytesIO(_body(thumb))) as image:
        assert image.format == "WEBP"
        assert image.size == (480, 320)  # fits 480x360, keeps the 3:2 shape
    assert len(_body(thumb)) < auction.image.size


def test_detail_page_shows_the_larger_copy_and_links_the_original(media_root, client):
    auction = make_auction(image=_photo())
    page = client.get(auction.get_absolute_url()).content.decode()
    assert f'<a href="{auction.image.url}"><img src="/media/thumbs/detail/' in page


def test_thumbnail_is_made_once(media_root):
    auction = make_auction(image=_photo(800, 600))
    first = thumbnails.thumbnail_url(auction.image, "card")
    made = (media_root / first.removeprefix("/media/")).stat().st_mtime_ns
    thumbnails.forget_made_thumbnails()
    assert thumbnails.thumbnail_url(auction.image, "card") == first
    assert (media_root / first.removeprefix("/media/")).stat().st_mtime_ns == made


def test_small_photo_is_not_enlarged(media_root):
    data = thumbnails.make_thumbnail(_photo(200, 100).read(), thumbnails.SIZES["card"])
    with Image.open(BytesIO(data)) as image:
        assert image.size == (200, 100)


def test_unreadable_photo_falls_back_to_the_original(media_root, client):
    broken = SimpleUploadedFile("broken.jpg", b"not an image at all", content_type="image/jpeg")
    auction = make_auction()
    # Stored directly, as a file that got past the form (or was damaged later) would be.
    auction.image.save("broken.jpg", broken, save=True)
    assert thumbnails.thumbnail_url(auction.image, "card") == auction.image.url
    assert client.get("/").status_code == 200
