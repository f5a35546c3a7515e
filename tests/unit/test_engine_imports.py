"""The engine is the bottom layer: its modules import the standard library, third-party
packages, each other and a few lower project modules, never the apps above (orders, notices,
the services, the broadcaster). What it writes reaches them only through `engine/hooks.py`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "auctions" / "engine"
PROJECT_PACKAGES = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}

# The project's own modules the engine may use: the models, data shapes and value types below
# it. Anything else from a project package is a climb back up.
BELOW_THE_ENGINE = (
    "accounts.models",
    "auctions.engine",
    "core.errors",
    "auctions.events.shapes",
    "core.inputs",
    "auctions.models",
    "core.money",
)


def imported_names(source: str, package: str = "auctions.engine") -> list[str]:
    """Every dotted name `source` imports, at any depth (also inside functions): `import a.b`
    gives "a.b", `from a import b` gives "a.b" (b may be a module, as in `from auctions import
    services`), relative imports resolved against `package`."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def climbs(names: list[str]) -> list[str]:
    """The project modules among `names` that are not below the engine."""

    def below(name: str) -> bool:
        if name.split(".")[0] not in PROJECT_PACKAGES:
            return True  # the standard library or a third-party package
        return any(name == ok or name.startswith(ok + ".") for ok in BELOW_THE_ENGINE)

    return sorted(name for name in names if not below(name))


@pytest.mark.parametrize("path", sorted(ENGINE.rglob("*.py")), ids=lambda p: p.name)
def test_engine_module_imports_nothing_above_the_engine(path):
    assert climbs(imported_names(path.read_text())) == []


def test_the_check_sees_every_kind_of_climb():
    """The imports the engine once had (opening an order, storing emails, inside a function),
    and the other spellings of a climb."""
    source = (
        "from orders.services.orders import order_open\n"
        "def f():\n"
        "    from auctions.notifications import outbox_for_event\n"
        "from auctions import services, engine\n"
        "import auctions.events.broadcast\n"
        "from ..selectors import auction_list\n"
        "from auctions.models import Auction\n"
        "from .records import Event\n"
        "import redis\n"
    )
    assert climbs(imported_names(source)) == [
        "auctions.events.broadcast",
        "auctions.notifications.outbox_for_event",
        "auctions.selectors.auction_list",
        "auctions.services",
        "orders.services.orders.order_open",
    ]
