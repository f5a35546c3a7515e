"""The notice centre's service and selectors: a notice belongs to one user and starts unread."""

import pytest

from notices import kinds
from notices.selectors import notices_for, notices_unread_count
from notices.services import notice_create, notices_mark_read
from tests.factories import make_auction, make_user

pytestmark = pytest.mark.django_db


def test_a_new_notice_is_unread_and_only_its_users():
    alice, bruno = make_user("alice"), make_user("bruno")
    auction = make_auction()
    notice = notice_create(user=alice, kind=kinds.OUTBID, auction=auction, text="Outbid on it")

    assert list(notices_for(user=alice)) == [notice]
    assert list(notices_for(user=bruno)) == []
    assert notices_unread_count(user=alice) == 1
    assert notice.get_absolute_url() == auction.get_absolute_url()


def test_marking_read_clears_the_unread_count_of_that_user_only():
    alice, bruno = make_user("alice"), make_user("bruno")
    notice_create(user=alice, kind=kinds.WON, text="You won")
    notice_create(user=bruno.pk, kind=kinds.WON, text="You won too")

    assert notices_mark_read(user=alice) == 1
    assert notices_unread_count(user=alice) == 0
    assert notices_unread_count(user=bruno) == 1


def test_a_notice_may_link_elsewhere_than_an_auction():
    alice = make_user("alice")
    notice = notice_create(user=alice, kind="order_paid", text="Paid", link="/me/orders/")
    assert notice.get_absolute_url() == "/me/orders/"
