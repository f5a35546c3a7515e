"""axe-core in the page: the accessibility checks the browser tests run (WCAG 2.1 A and AA).

`make test` fetches axe-core from the npm registry (pinned version and checksum) and names the
file in `GAVEL_AXE_JS`; without it the check skips (fails in CI) with the reason.
"""

import os
from functools import cache
from pathlib import Path

from tests.conftest import skip_or_fail
from tests.e2e.server import PROJECT_ROOT

DEFAULT = PROJECT_ROOT / ".cache" / "axe-core-4.14.1" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _axe_source() -> str:
    path = Path(os.environ.get("GAVEL_AXE_JS") or DEFAULT)
    if not path.is_file():
        skip_or_fail(
            f"{path} is missing: run `make test` (it fetches axe-core) or set GAVEL_AXE_JS"
        )
    return path.read_text()


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it is now; one line per violation (rule, impact, targets)."""
    page.evaluate(_axe_source())  # DevTools evaluation: the page's CSP does not apply
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]
