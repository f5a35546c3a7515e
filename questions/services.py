"""Writes of the questions: ask (a bidder), answer (the lot's seller), hide (a moderator).
Each is audited; the other side hears of it through a notice and an outbox email."""

import uuid

from django.db import transaction
from django.utils import timezone

from auctions.errors import NotAllowed
from auctions.inputs import NUL
from auctions.models import Auction
from auctions.roles import is_moderator
from auctions.services.audit import audit_record
from notices.services import notice_create
from outbox.services import outbox_enqueue
from questions.models import Question

TEXT_MAX = 500
ANSWER_MAX = 1000


def _tell(user, text: str, auction, link: str) -> None:
    """A notice and an outbox email, both in the caller's transaction."""
    notice_create(user=user, kind="question", text=text, auction=auction, link=link)
    if user.email:
        outbox_enqueue(
            key=f"question:{user.pk}:{uuid.uuid4().hex}",
            user_id=user.pk,
            template="site_notice",
            context={"text": text, "link": link, "note": ""},
        )


def question_ask(*, auction: Auction, asker, text: str) -> Question:
    """A logged-in bidder (not the seller, not suspended) asks about a public lot."""
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX or NUL in text:
        raise NotAllowed(f"Write a question of at most {TEXT_MAX} characters.")
    if not asker.is_active or asker.is_suspended:
        raise NotAllowed("Your account may not ask questions.")
    if asker.pk == auction.seller_id:
        raise NotAllowed("This is your own lot.")
    if auction.status not in (Auction.Status.SCHEDULED, Auction.Status.ENDED):
        raise NotAllowed("This lot does not take questions.")
    with transaction.atomic():
        question = Question.objects.create(auction=auction, asker=asker, text=text)
        audit_record(actor=asker, action="question.ask", target=question)
        _tell(
            auction.seller,
            f"A bidder asked about “{auction.title}”.",
            auction,
            f"/admin/questions/question/{question.pk}/change/",
        )
    return question


def question_answer(*, question: Question, actor, answer: str) -> Question:
    """The lot's seller answers (or corrects their answer); the answer is then public."""
    answer = (answer or "").strip()
    if not answer or len(answer) > ANSWER_MAX or NUL in answer:
        raise NotAllowed(f"Write an answer of at most {ANSWER_MAX} characters.")
    auction = question.auction
    if actor.pk != auction.seller_id:
        raise NotAllowed("Only the lot's seller answers its questions.")
    with transaction.atomic():
        question.answer, question.answered_at = answer, timezone.now()
        question.save(update_fields=["answer", "answered_at"])
        audit_record(actor=actor, action="question.answer", target=question)
        _tell(
            question.asker,
            f"The seller answered your question on “{auction.title}”.",
            auction,
            auction.get_absolute_url(),
        )
    return question


def question_hide(*, question: Question, actor, reason: str) -> Question:
    """A moderator hides a question (and its answer) from the lot page."""
    if not is_moderator(actor) or actor.is_suspended:
        raise NotAllowed("Only moderators hide questions.")
    with transaction.atomic():
        question.hidden = True
        question.save(update_fields=["hidden"])
        audit_record(actor=actor, action="question.hide", target=question, reason=reason)
    return question
