"""`make bench`: run Gavel's benchmarks in order, print one table and record it in the docs.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python -m tests.bench [module …] [--no-docs]

Modules run in this order (each exposes `main() -> dict` of figures): `http_bids`,
`engine_vs_naive`, `script_cost`, `fanout_served`, `idle` (`fanout` only when named). Naming
modules runs only those.
The run uses its own database and Redis DB index (see `tests/bench/env.py`) and drops them at
the end. Unless `--no-docs`, the table replaces the generated block of `docs/benchmarks.md`.
"""

import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import env

MODULES = {
    "http_bids": "Bids over HTTP: make serve vs naive Django under gunicorn (32 bidders, one lot)",
    "engine_vs_naive": "Engine vs naive Django (32 concurrent bidders, one hot auction)",
    "script_cost": "Script cost (pipelined EVALSHA, same client)",
    "fanout_served": "Fan-out through make serve (1,000 viewers, a connect storm of 2,000)",
    "fanout": "Fan-out to WebSocket viewers (two daphne servers, both channel layers)",
    "idle": "Idle WebSocket cost",
}
# What a bare `make bench` runs (under ~10 minutes): `fanout`, the in-process comparison of the
# two channel layers behind daphne, runs only when named.
DEFAULT = [name for name in MODULES if name != "fanout"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"


def _load(name: str):
    try:
        return importlib.import_module(f"tests.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tests.bench.{name}":
            return None
        raise


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def _machine() -> str:
    def version(*command: str) -> str:
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
        except OSError:
            return "?"
        return out.strip().splitlines()[0] if out.strip() else "?"

    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{version('redis-server', '--version')}, {version('psql', '--version')}"
    )


def render(
    results: dict[str, dict], errors: dict[str, str], seconds: float, load: tuple[float, float]
) -> str:
    """The results as Markdown: one table per benchmark."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run {when} in {seconds:.0f} s on {_machine()}; 1-minute load average "
        f"{load[0]:.1f} at the start, {load[1]:.1f} at the end (other work on the machine "
        "slows both sides of every ratio, but not always equally).",
        "",
        "Command: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/gavel "
        "REDIS_URL=redis://127.0.0.1:6379/0 make bench`",
        "",
    ]
    for name, figures in results.items():
        lines += [f"#### {MODULES[name]}", "", "| figure | value |", "|---|---|"]
        lines += [f"| `{key}` | {_value(value)} |" for key, value in figures.items()]
        lines.append("")
    for name, error in errors.items():
        lines += [f"#### {MODULES[name]}", "", f"Failed: `{error}`", ""]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    """Replace the generated block of docs/benchmarks.md (or append one)."""
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    generated = f"{BEGIN}\n{block}\n{END}"
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + generated + tail
    else:
        text = text.rstrip("\n") + "\n\n" + generated + "\n"
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text)


def main(argv: list[str]) -> int:
    write = "--no-docs" not in argv
    chosen = [arg for arg in argv if not arg.startswith("--")] or DEFAULT
    unknown = set(chosen) - set(MODULES)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(MODULES)}")
        return 2
    try:
        target = env.configure()
    except env.BenchSetupError as exc:
        print(f"make bench: {exc}")
        return 2
    print(f"bench database {target['database']}, Redis {target['redis']}", flush=True)
    results: dict[str, dict] = {}
    errors: dict[str, str] = {}
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    try:
        for name in chosen:
            module = _load(name)
            if module is None:
                print(f"-- {name}: not present, skipped")
                continue
            print(f"-- {name}: {MODULES[name]}", flush=True)
            try:
                results[name] = module.main()
            except Exception as exc:  # one failing benchmark must not hide the others' figures
                errors[name] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                print(f"-- {name} FAILED: {errors[name]}", flush=True)
            env.flush_redis()
    finally:
        env.teardown()
    load = (load_before, os.getloadavg()[0])
    block = render(results, errors, time.monotonic() - started, load)
    print()
    print(block)
    if write:
        write_docs(block)
        print(f"(written to {DOCS})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
