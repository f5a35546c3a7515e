"""`{% lot_questions auction %}`: the answered questions of a lot and the form to ask one."""

from django import template

from questions.models import Question

register = template.Library()


@register.inclusion_tag("questions/lot_questions.html", takes_context=True)
def lot_questions(context, auction, is_open=True):
    """The answered questions; the form to ask one only while the lot is open (`is_open`)."""
    return {
        "auction": auction,
        "is_open": is_open,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "questions": list(
            Question.objects.filter(auction=auction, hidden=False, answered_at__isnull=False)
        ),
    }
