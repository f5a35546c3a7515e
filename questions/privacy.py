"""The questions app's share of a person's data (`accounts.privacy`): the questions they asked
(deleted with the account) and the answers they gave as a seller."""

from typing import Any

from accounts.models import User
from accounts.privacy import PersonalData, iso
from questions.models import Question


def _export(user: User) -> dict[str, list[dict[str, Any]]]:
    return {
        "questions": [
            {
                "auction_id": q.auction_id,
                "title": q.auction.title,
                "text": q.text,
                "answer": q.answer,
                "asked_at": iso(q.created_at),
                "answered_at": iso(q.answered_at),
                "hidden": q.hidden,
            }
            for q in Question.objects.filter(asker=user).select_related("auction")
        ],
        "answers_given": [
            {"auction_id": q.auction_id, "answer": q.answer, "answered_at": iso(q.answered_at)}
            for q in Question.objects.filter(auction__seller=user).exclude(answer="")
        ],
    }


def _erase(user: User) -> None:
    Question.objects.filter(asker=user).delete()


PERSONAL_DATA = PersonalData(export=_export, deletion_refused=lambda user: None, erase=_erase)
