"""The JSON surface of `core.errors`: every coded refusal as one JSON response."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse

from core.errors import GavelError


def json_error(error: GavelError, *, status: int | None = None) -> JsonResponse:
    """`{"accepted": false, "error": CODE, "message": ..., ...}` with the code's HTTP status."""
    return JsonResponse(error.as_dict(), status=status or error.http_status)


def json_refusals(
    view: Callable[..., JsonResponse],
) -> Callable[..., JsonResponse]:
    """Answer a `GavelError` that `view` raises as its coded JSON error. Anything else goes on
    to Django: an outage becomes the 503 (`OutageMiddleware`), a bug a logged 500."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except GavelError as refusal:
            return json_error(refusal)

    return wrapped
