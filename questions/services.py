"""Writes of the questions: ask (a bidder), answer (the lot's seller), hide (a moderator).
Each is audited; the other side hears of it through a notice and an outbox email.

Asking takes a confirmed email address and is rate-limited per user
(`GAVEL_QUESTION_RATE_LIMIT`). A seller's new questions are batched: one unread notice,
kept current with the count, and at most one email per `GAVEL_QUESTION_EMAIL_WINDOW`, so a
flood of questions is not a flood of notices and emails.
"""

import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction
from core.audit import AuditAction, audit_record
from core.errors import EmailNotConfirmed, NotAllowed, RateLimited
from core.inputs import NUL
from core.roles import is_moderator
from notices.models import Notice
from notices.services import notice_create
from outbox.services import outbox_enqueue
from questions.models import Question

TEXT_MAX = 500
ANSWER_MAX = 1000
QUESTION_NOTICE = "question"
# Where a seller finds the questions waiting for an answer.
UNANSWERED_URL = "/admin/questions/question/?answered_at__isempty=1"


def _tell(user: User, text: str, auction: Auction, link: str) -> None:
    """A notice and an outbox email, both in the caller's transaction."""
    notice_create(user=user, kind=QUESTION_NOTICE, text=text, auction=auction, link=link)
    if user.email:
        outbox_enqueue(
            key=f"question:{user.pk}:{uuid.uuid4().hex}",
            user_id=user.pk,
            template="site_notice",
            context={"text": text, "link": link, "note": ""},
        )


def _tell_seller(seller: User, auction: Auction) -> None:
    """Batch the seller's news of a new question: their one unread question notice counts the
    questions waiting for an answer; the email goes once per window (its key is the window's)."""
    unread = (
        Notice.objects.filter(user=seller, kind=QUESTION_NOTICE, read_at__isnull=True)
        .order_by("created_at")
        .first()
    )
    if unread is None:
        notice_create(
            user=seller,
            kind=QUESTION_NOTICE,
            text=f"A bidder asked about “{auction.title}”.",
            auction=auction,
            link=UNANSWERED_URL,
        )
    else:
        waiting = Question.objects.filter(
            auction__seller=seller, answered_at__isnull=True, hidden=False
        ).count()
        unread.text = (
            f"{waiting} questions about your lots wait for an answer, the latest on "
            f"“{auction.title}”."
        )[:500]
        unread.auction, unread.link = auction, UNANSWERED_URL
        unread.save(update_fields=["text", "auction", "link"])
    if seller.email:
        window = int(time.time()) // settings.GAVEL_QUESTION_EMAIL_WINDOW
        outbox_enqueue(
            key=f"questions:{seller.pk}:{window}",  # one per window: a repeat is skipped
            user_id=seller.pk,
            template="site_notice",
            context={
                "text": f"Bidders asked about your lots, starting with “{auction.title}”. "
                "Questions that follow within a few minutes come in the same batch.",
                "link": UNANSWERED_URL,
                "note": "",
            },
        )


def _check_rate(asker: User) -> None:
    limit, seconds = settings.GAVEL_QUESTION_RATE_LIMIT
    since = timezone.now() - timedelta(seconds=seconds)
    if Question.objects.filter(asker=asker, created_at__gte=since).count() >= limit:
        raise RateLimited("You asked many questions just now. Please wait a few minutes.")


def question_ask(*, auction: Auction, asker: User, text: str) -> Question:
    """A logged-in bidder (not the seller, not suspended, email confirmed, within the rate
    limit) asks about a public lot."""
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX or NUL in text:
        raise NotAllowed(f"Write a question of at most {TEXT_MAX} characters.")
    if not asker.is_active or asker.is_suspended:
        raise NotAllowed("Your account may not ask questions.")
    if not getattr(asker, "email_confirmed", True):
        raise EmailNotConfirmed("Confirm your email address before asking a question.")
    if asker.pk == auction.seller_id:
        raise NotAllowed("This is your own lot.")
    if auction.status not in (Auction.Status.SCHEDULED, Auction.Status.ENDED):
        raise NotAllowed("This lot does not take questions.")
    with transaction.atomic():
        # Locked in id order: the asker's rate and the seller's batch are counted one ask at
        # a time, and two asks that lock the same two users cannot deadlock.
        locked = {
            user.pk: user
            for user in User.objects.select_for_update()
            .filter(pk__in=[asker.pk, auction.seller_id])
            .order_by("pk")
        }
        _check_rate(locked[asker.pk])
        question = Question.objects.create(auction=auction, asker=asker, text=text)
        audit_record(actor=asker, action=AuditAction.QUESTION_ASK, target=question)
        _tell_seller(locked[auction.seller_id], auction)
    return question


def question_answer(*, question: Question, actor: User, answer: str) -> Question:
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
        audit_record(actor=actor, action=AuditAction.QUESTION_ANSWER, target=question)
        _tell(
            question.asker,
            f"The seller answered your question on “{auction.title}”.",
            auction,
            auction.get_absolute_url(),
        )
    return question


def question_hide(*, question: Question, actor: User, reason: str) -> Question:
    """A moderator hides a question (and its answer) from the lot page."""
    if not is_moderator(actor) or actor.is_suspended:
        raise NotAllowed("Only moderators hide questions.")
    with transaction.atomic():
        question.hidden = True
        question.save(update_fields=["hidden"])
        audit_record(actor=actor, action=AuditAction.QUESTION_HIDE, target=question, reason=reason)
    return question
