"""Log lines: one per event with time, level and logger; JSON lines by setting; the request id
of the request that wrote them, also answered in the `X-Request-ID` header."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest
from channels.testing import HttpCommunicator

# Imported first: setting Django up for ASGI configures logging again, which would drop the
# handler a test adds to a logger.
from config.asgi import application
from config.request_id import RequestIdFilter
from tests.integration.operations.test_settings import PRODUCTION_ENV, ROOT, run_django

pytestmark = pytest.mark.django_db

EMIT = (
    "import logging;"
    "logging.getLogger('django.request').warning('from-django');"
    "logging.getLogger('auctions.worker').info('from-gavel');"
    "logging.getLogger('uvicorn.error').info('from-uvicorn');"
    "logging.getLogger('django.channels.server').info('from-runserver-access')"
)
TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) [\w.]+ \[-\] from-(django|gavel|uvicorn)$"
)


def test_text_lines_have_time_level_logger_and_appear_once():
    result = run_django("shell", "-c", EMIT, env={})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "from-" in line]
    assert len(lines) == 3, result.stderr  # each once; runserver's access lines are off
    assert all(TEXT_LINE.match(line) for line in lines), lines


def test_production_writes_json_lines():
    result = run_django("shell", "-c", EMIT, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if "from-" in line]
    assert [r["message"] for r in records] == ["from-django", "from-gavel", "from-uvicorn"]
    for record in records:
        assert {"time", "level", "logger", "request_id", "message"} <= record.keys()
    assert records[0]["level"] == "WARNING" and records[0]["logger"] == "django.request"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def collected():
    handler = _Collect()
    loggers = [logging.getLogger("django.request"), logging.getLogger("gavel.access")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


# serialized_rollback: the migrations' data comes back for the transactional tests after this.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_given_request_id_is_answered_and_carried_into_the_requests_log_lines(collected):
    communicator = HttpCommunicator(
        application,
        "GET",
        "/no-such-page/",
        headers=[(b"host", b"testserver"), (b"x-request-id", b"proxy-abc.123")],
    )
    response = await communicator.get_response()
    assert response["status"] == 404
    assert (b"X-Request-ID", b"proxy-abc.123") in response["headers"]
    by_logger = {record.name: record for record in collected}
    # Django writes "Not Found: ..." after the middleware chain has returned.
    assert by_logger["django.request"].request_id == "proxy-abc.123"
    access = by_logger["gavel.access"]
    assert access.request_id == "proxy-abc.123"
    assert access.getMessage().startswith("GET /no-such-page/ 404 ")


def test_the_test_client_path_has_an_id_too(client, collected):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc")
    assert response["X-Request-ID"] == "abc"
    assert [r.request_id for r in collected if r.name == "gavel.access"] == ["abc"]


async def test_async_requests_get_a_fresh_id_each(async_client, collected):
    first = await async_client.get("/healthz")
    second = await async_client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    ids = [record.request_id for record in collected if record.name == "gavel.access"]
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]


@pytest.mark.parametrize("given", ["two words", "line\nbreak", "x" * 129, 'quote"d', ""])
def test_an_unsafe_request_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_outside_a_request_the_id_is_a_dash(collected):
    logging.getLogger("django.request").warning("no request here")
    assert collected[-1].request_id == "-"


SUPERVISOR = (
    "import json, logging, logging.config;"
    "from config.serve import uvicorn_log_config;"
    "logging.config.dictConfig(json.load(open(uvicorn_log_config({}))));"
    "logging.getLogger('uvicorn.error').info("
    "'Started parent process [%d]', 7, extra={'color_message': 'coloured'})"
)


def test_the_asgi_supervisor_logs_json_lines_without_django():
    """uvicorn's parent process never loads Django: make serve hands it the same config."""
    result = subprocess.run(
        [sys.executable, "-c", SUPERVISOR],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    record = json.loads(line)
    assert record["message"] == "Started parent process [7]"
    assert record["logger"] == "uvicorn.error" and record["request_id"] == "-"
    assert "color_message" not in record
