"""The first requests after a PostgreSQL restart on an idle site are served at once (issue 19,
item 12): the pool drops every dead connection as soon as it meets one, instead of sleeping
1 s, 2 s, 4 s… between them and timing out (10 s, a 503)."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import skip_or_fail
from tests.faults.servers import _initdb

PROBE = Path(__file__).with_name("pg_restart_probe.py")


def test_requests_after_a_postgresql_restart_get_a_live_connection_at_once():
    try:
        _initdb()
    except RuntimeError:
        skip_or_fail("PostgreSQL's initdb is not installed")
    result = subprocess.run(
        [sys.executable, str(PROBE)], capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    for seconds in timings["first"] + timings["next"]:
        assert isinstance(seconds, float), seconds  # not an error
        assert seconds < 1.0, timings
