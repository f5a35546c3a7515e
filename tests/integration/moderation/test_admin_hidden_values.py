"""No admin query reveals a bidder's maximum or a reserve to someone who may not see it.

Every registered ModelAdmin is probed, as a seller and as a moderator: query-string lookups on
every field path that reaches `Bid.max_amount` or `Auction.reserve_price` (local or through
relations), the `o=` ordering indexes, search, and the change form's `_changelist_filters`. A
probe is harmless when the admin refuses it or answers the same whatever side of the secret
the probed value lies on: then no binary search can recover the secret.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction, Bid
from tests.factories import make_auction, make_moderator, make_seller, make_user

pytestmark = pytest.mark.django_db

SECRET_MAX = 77777
SECRET_RESERVE = 55555
HIDDEN = {(Bid, "max_amount"), (Auction, "reserve_price")}
LOOKUPS = ["", "__gte", "__lt", "__in", "__range", "__isnull"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """Seller A's auction, on which a bidder holds a hidden maximum; seller B's reserved lot,
    on which the same bidder also bid (so a relation path links A's admin to B's secrets)."""
    bidder = make_user("bidder_h")
    seller_a, seller_b = make_seller("seller_ha"), make_seller("seller_hb")
    own = make_auction(seller=seller_a, title="Lot of A")
    other = make_auction(seller=seller_b, title="Lot of B", reserve_price=SECRET_RESERVE)
    for seq, auction in enumerate((own, other), start=1):
        Bid.objects.create(
            auction=auction,
            bidder=bidder,
            seq=1,
            amount=1000,
            max_amount=SECRET_MAX,
            price=1000,
            placed_at=timezone.now(),
            request_id=f"r{seq}",
        )
    return {"seller": seller_a, "moderator": make_moderator("moderator_h"), "own": own}


def hidden_paths(model, depth=3, prefix=(), seen=()):
    """Every lookup path from `model` to a hidden field, through at most `depth` relations."""
    for field in model._meta.get_fields():
        if (model, field.name) in HIDDEN:
            yield "__".join((*prefix, field.name))
        related = field.related_model
        if field.is_relation and related is not None and depth and related not in seen:
            # A reverse relation's `name` is its query name (`bids`), as lookups spell it.
            yield from hidden_paths(related, depth - 1, (*prefix, field.name), (*seen, model))


def probe_value(lookup, secret, below):
    value = secret - 1 if below else secret + 1
    amount = f"{value / 100:.2f}"
    if lookup == "__in":
        return amount
    if lookup == "__range":
        return f"0.01,{amount}"
    if lookup == "__isnull":
        return "True" if below else "False"
    if lookup == "__startswith":
        return "7" if below else "5"
    return amount


def changelist_answer(client, url, params):
    """What the admin tells about the query: refused, or the rows it matched."""
    response = client.get(f"{url}?{urlencode(params)}")
    assert response.status_code != 500, (url, params)
    if response.status_code != 200 or response.context is None or "cl" not in response.context:
        return ("status", response.status_code, response.get("Location"))
    cl = response.context["cl"]
    return ("rows", sorted(obj.pk for obj in cl.result_list), cl.result_count)


def declared_heads(model_admin, request) -> set[str]:
    """The first field names of what the admin declares as filters (those may be looked up)."""
    names = {model_admin.date_hierarchy}
    for item in model_admin.get_list_filter(request):
        if isinstance(item, str):
            names.add(item.split("__")[0])
        elif isinstance(item, (list, tuple)):
            names.add(item[0].split("__")[0])
    return names


def registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("role", ["seller", "moderator"])
def test_no_lookup_on_any_admin_tells_the_two_sides_of_a_hidden_value(client, world, role):
    client.force_login(world[role])
    probed = 0
    for model, model_admin in registered_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for path in hidden_paths(model):
            secret = SECRET_MAX if path.endswith("max_amount") else SECRET_RESERVE
            # Every lookup on the near paths; deeper ones need only one to show they are refused.
            for lookup in LOOKUPS if path.count("__") <= 1 else ["__gte"]:
                key = path + lookup
                below = changelist_answer(client, url, {key: probe_value(lookup, secret, True)})
                above = changelist_answer(client, url, {key: probe_value(lookup, secret, False)})
                assert below == above, (model_admin, key)
                # An undeclared lookup is refused outright (400), not silently applied.
                assert below[0] == "status", (model_admin, key, below)
                probed += 1
    assert probed > 50  # the walk really reached the hidden fields from many admins


@pytest.mark.parametrize("role", ["seller", "moderator"])
def test_every_admin_refuses_lookups_it_does_not_declare(client, world, role):
    client.force_login(world[role])
    for model, model_admin in registered_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        declared = declared_heads(model_admin, client.get(url).wsgi_request)
        for field in model._meta.concrete_fields:
            if field.name in declared:
                continue
            response = client.get(url, {f"{field.name}__startswith": "x"})
            assert response.status_code in (400, 403), (model_admin, field.name)


def test_declared_filters_still_work(client, world):
    client.force_login(world["moderator"])
    url = reverse("admin:auctions_auction_changelist")
    for params in (
        {"status__exact": "scheduled"},
        {"has_bids": "yes"},
        {"category__id__exact": "1"},
        {"category__isnull": "True"},
        {"seller__is_suspended__exact": "0"},
        {"ends_at__year": "2030"},
    ):
        assert client.get(url, params).status_code == 200, params
    bids = reverse("admin:auctions_bid_changelist")
    assert client.get(bids, {"voided__exact": "0", "kind__exact": "bid"}).status_code == 200
    log = reverse("admin:core_auditlog_changelist")
    assert client.get(log, {"created_at__year": "2026"}).status_code == 200


def test_a_seller_cannot_order_by_a_hidden_value(client, world):
    client.force_login(world["seller"])
    for model, _model_admin in registered_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for index in range(-9, 10):
            response = client.get(url, {"o": str(index)})
            assert response.status_code != 500
            if response.status_code != 200:
                continue
            cl = response.context["cl"]
            ordering = cl.get_ordering(response.wsgi_request, cl.root_queryset)
            names = [str(getattr(item, "expression", item)) for item in ordering]
            assert not any("max_amount" in name or "reserve" in name for name in names), (
                model,
                index,
                names,
            )


def test_a_seller_cannot_search_for_a_hidden_value(client, world):
    client.force_login(world["seller"])
    for model, _model_admin in registered_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        hit = changelist_answer(client, url, {"q": f"{SECRET_MAX / 100:.2f}"})
        miss = changelist_answer(client, url, {"q": "123.45"})
        assert hit == miss, model


def test_changelist_filters_carried_by_a_change_form_are_checked_too(client, world):
    """The change form carries `_changelist_filters` back to the list; a hidden lookup there
    is refused when the list applies it, not smuggled past the check."""
    client.force_login(world["seller"])
    bid = Bid.objects.filter(auction=world["own"]).get()
    change = reverse("admin:auctions_bid_change", args=[bid.pk])
    filters = urlencode({"max_amount__gte": "1.00"})
    form = client.get(change, {"_changelist_filters": filters})
    assert form.status_code == 200
    assert "777.77" not in form.content.decode()
    listing = client.get(f"{reverse('admin:auctions_bid_changelist')}?{filters}")
    assert listing.status_code == 400
