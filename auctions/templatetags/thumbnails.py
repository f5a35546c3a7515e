"""`{{ auction.image|thumbnail:"card" }}`: the URL of a photo's smaller copy (auctions.thumbnails)."""

from django import template

from auctions.thumbnails import thumbnail_url

register = template.Library()


@register.filter
def thumbnail(image, size: str = "card") -> str:
    return thumbnail_url(image, size)
