"""A lot shows more than one photo: the main one, then the gallery the seller adds in the admin."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from auctions import thumbnails
from auctions.models import AuctionPhoto
from tests.factories import make_auction, make_seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    thumbnails.forget_made_thumbnails()
    yield settings.MEDIA_ROOT
    thumbnails.forget_made_thumbnails()


def photo(name: str, colour=(200, 120, 40)) -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_detail_page_shows_the_main_photo_and_the_gallery_in_order(media_root):
    auction = make_auction(title="Leica IIIf", image=photo("main.jpg"))
    AuctionPhoto.objects.create(
        auction=auction, image=photo("back.jpg"), alt="The back", position=2
    )
    AuctionPhoto.objects.create(
        auction=auction, image=photo("top.jpg"), alt="Top plate", position=1
    )
    html = Client().get(auction.get_absolute_url()).content.decode()
    assert 'class="photo"' in html and "No photo" not in html
    gallery = html[html.index('id="gallery"') :]
    alts = [alt for alt in ("Top plate", "The back") if f'alt="{alt}"' in gallery]
    assert alts == ["Top plate", "The back"]
    assert gallery.index('alt="Top plate"') < gallery.index('alt="The back"')


def test_a_lot_without_photos_says_so_once(db):
    html = Client().get(make_auction().get_absolute_url()).content.decode()
    assert html.count("No photo") == 1 and 'id="gallery"' not in html


def test_the_seller_adds_gallery_photos_in_the_admin(media_root, client):
    seller = make_seller("sam")
    auction = make_auction(seller=seller)
    client.force_login(seller)
    page = client.get(f"/admin/auctions/auction/{auction.pk}/change/").content.decode()
    assert 'name="photos-0-image"' in page and 'name="photos-0-alt"' in page
