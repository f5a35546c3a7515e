"""The one logging configuration (a `logging.dictConfig` dict), for Django and for the ASGI
server's supervisor process, which logs before Django is loaded (`make serve` hands it this
dict as uvicorn's `--log-config`). One line per event: time, level, logger, request id.
"""

from pythonjsonlogger.core import RESERVED_ATTRS

_PROPAGATE_ONLY = {"handlers": [], "propagate": True}


def logging_config(*, fmt: str, level: str) -> dict:
    """JSON lines (`fmt="json"`) or text lines; Django's, uvicorn's and daphne's loggers all go
    through the one root handler, so nothing is printed twice."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
                # uvicorn adds an ANSI-coloured copy of some messages: not for log files.
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default config gives these their own handlers (console in DEBUG,
            # runserver's lines): they go through the root handler instead, once.
            "django": _PROPAGATE_ONLY,
            "django.server": _PROPAGATE_ONLY,
            # runserver's access lines: gavel.access writes them already, with the request id.
            "django.channels.server": {**_PROPAGATE_ONLY, "level": "WARNING"},
            "uvicorn": _PROPAGATE_ONLY,
            "uvicorn.error": _PROPAGATE_ONLY,
            "uvicorn.access": _PROPAGATE_ONLY,
            "daphne": {**_PROPAGATE_ONLY, "level": "WARNING"},
        },
    }
