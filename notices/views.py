"""The notice centre, `/me/notices/`: what happened while the page was closed."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notices.selectors import notices_for, notices_unread_count
from notices.services import notices_mark_read

PAGE_SIZE = 50


@login_required
def notice_list(request):
    """The user's notices, newest first; unread ones are marked until they press "Mark read"."""
    page = Paginator(notices_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/notice_list.html",
        {"page": page, "unread": notices_unread_count(user=request.user)},
    )


@require_POST
@login_required
def notices_read(request):
    """Mark every notice of the user read, then back to the list."""
    notices_mark_read(user=request.user)
    return redirect("notices:list")
