"""The JSON surface of `auctions.errors`: every coded refusal as one JSON response."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse

from auctions.errors import GavelError, as_refusal


def json_error(error: GavelError, *, status: int | None = None) -> JsonResponse:
    """`{"accepted": false, "error": CODE, "message": ..., ...}` with the code's HTTP status."""
    return JsonResponse(error.as_dict(), status=status or error.http_status)


def json_refusals(
    view: Callable[..., JsonResponse],
) -> Callable[..., JsonResponse]:
    """Answer whatever `view` raises as a coded JSON error (uncoded: logged, UNAVAILABLE)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception as error:
            return json_error(as_refusal(error, during=f"{request.method} {request.path}"))

    return wrapped
