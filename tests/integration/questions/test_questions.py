"""Questions to the seller: asked on the lot, answered by its seller in the admin, shown once
answered, hidden by moderators."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.errors import NotAllowed, RateLimited
from core.models import AuditLog
from notices.models import Notice
from outbox.models import OutboxEmail
from questions.models import Question
from questions.services import question_answer, question_ask, question_hide
from tests.factories import make_auction, make_moderator, make_seller, make_user
from tests.integration.orders.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_asked_on_the_lot_answered_in_the_admin_then_shown(django_capture_on_commit_callbacks):
    seller = make_seller()
    auction = make_auction(seller=seller)
    bidder = make_user()
    response = client_for(bidder).post(
        f"/auctions/{auction.pk}/questions", {"text": "Does it <b>tick</b>?"}
    )
    assert response.status_code == 302
    question = Question.objects.get(auction=auction)
    assert 'data-question-id="' not in Client().get(auction.get_absolute_url()).text
    admin = client_for(seller)
    assert (
        f"/admin/questions/question/{question.pk}/change/"
        in admin.get("/admin/questions/question/").text
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/admin/questions/question/{question.pk}/change/", {"answer": "Yes, daily."})
    assert mail.outbox[-1].to == [bidder.email]
    assert auction.get_absolute_url() in mail.outbox[-1].body
    question.refresh_from_db()
    assert question.answer == "Yes, daily." and question.answered_at
    page = Client().get(auction.get_absolute_url()).text
    assert f'data-question-id="{question.pk}"' in page
    assert "Does it &lt;b&gt;tick&lt;/b&gt;?" in page
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"question.ask", "question.answer"} <= actions


def test_only_the_lots_seller_answers_and_sees_it_in_the_admin():
    auction = make_auction()
    question = question_ask(auction=auction, asker=make_user(), text="Box?")
    other = make_seller()
    with pytest.raises(NotAllowed):
        question_answer(question=question, actor=other, answer="No")
    assert (
        client_for(other).get(f"/admin/questions/question/{question.pk}/change/").status_code == 302
    )  # not found in their scope
    with pytest.raises(NotAllowed):
        question_ask(auction=auction, asker=auction.seller, text="Mine?")
    with pytest.raises(NotAllowed):
        question_ask(auction=auction, asker=make_user(), text=" ")


def test_a_moderator_hides_a_question():
    auction = make_auction()
    question = question_ask(auction=auction, asker=make_user(), text="Rude?")
    question_answer(question=question, actor=auction.seller, answer="Answer")
    with pytest.raises(NotAllowed):
        question_hide(question=question, actor=auction.seller, reason="x")
    question_hide(question=question, actor=make_moderator(), reason="Off topic")
    assert 'data-question-id="' not in Client().get(auction.get_absolute_url()).text


def test_a_moderator_views_a_question_in_the_admin_and_cannot_save_it():
    auction = make_auction()
    question = question_ask(auction=auction, asker=make_user(), text="Scratches?")
    moderator = client_for(make_moderator())
    url = f"/admin/questions/question/{question.pk}/change/"
    response = moderator.post(url, {"answer": "Not theirs to give"})  # was a KeyError, a 500
    assert response.status_code == 403
    question.refresh_from_db()
    assert (question.answer, question.answered_at) == ("", None)
    page = moderator.get(url)
    assert page.status_code == 200 and "Scratches?" in page.text
    assert 'name="_save"' not in page.text  # view-only: nothing for them to change
    # Hiding stays theirs, from the list.
    listing = moderator.get("/admin/questions/question/")
    assert "hide_selected" in listing.text


def test_asking_takes_a_confirmed_email_address():
    auction = make_auction()
    unconfirmed = make_user(email_confirmed=False)
    with pytest.raises(NotAllowed, match="Confirm your email"):
        question_ask(auction=auction, asker=unconfirmed, text="Real?")
    response = client_for(unconfirmed).post(
        f"/auctions/{auction.pk}/questions", {"text": "Real?"}, follow=True
    )
    assert "Confirm your email address before asking" in response.text
    assert not Question.objects.exists()
    assert not Notice.objects.filter(user=auction.seller).exists()


def test_questions_are_rate_limited_per_user(settings):
    settings.GAVEL_QUESTION_RATE_LIMIT = (3, 600)
    auction = make_auction()
    asker, other = make_user(), make_user()
    client = client_for(asker)
    for index in range(3):
        client.post(f"/auctions/{auction.pk}/questions", {"text": f"Question {index}?"})
    response = client.post(f"/auctions/{auction.pk}/questions", {"text": "One more?"}, follow=True)
    assert "Please wait a few minutes" in response.text
    with pytest.raises(RateLimited):
        question_ask(auction=make_auction(), asker=asker, text="Elsewhere?")
    assert Question.objects.filter(asker=asker).count() == 3
    question_ask(auction=auction, asker=other, text="Mine?")  # a limit per user, not per lot


def test_a_flood_of_questions_is_one_notice_and_one_email_to_the_seller(
    django_capture_on_commit_callbacks,
):
    seller = make_seller()
    lots = [make_auction(seller=seller), make_auction(seller=seller)]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(8):
            question_ask(auction=lots[index % 2], asker=make_user(), text=f"Q{index}?")
    notices = Notice.objects.filter(user=seller)
    assert notices.count() == 1
    assert notices.get().text.startswith("8 questions about your lots wait for an answer")
    assert OutboxEmail.objects.filter(user_id=seller.pk).count() == 1
    assert [m.to for m in mail.outbox] == [[seller.email]]
    # Once the seller read it, the next question is news again.
    notices.update(read_at=timezone.now())
    question_ask(auction=lots[0], asker=make_user(), text="Later?")
    assert Notice.objects.filter(user=seller, read_at__isnull=True).count() == 1
