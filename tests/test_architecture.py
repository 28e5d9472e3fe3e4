"""The import rules of docs/architecture.md, checked on the source: a pure core, one adapter per
outside library, use cases between the edges and the core, and the wall clock read only by the
clock itself (the edges are handed one by their composition root).

Every import counts, including those inside functions (heavy libraries are imported lazily).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hipflex"

EDGES = ("hipflex.cli", "hipflex.web", "hipflex.clinic")
STORAGE = ("hipflex.storage",)
CAMERA = ("cv2", "mediapipe")
DEVICE_AND_DRAWING = (*CAMERA, "matplotlib")
WEB_AND_TERMINAL = ("fastapi", "starlette", "uvicorn", "jinja2", "typer", "rich", "click")
DATABASE = ("sqlalchemy", "alembic")

# vision's pure part: geometry, form rules, smoothing, the tracker and per-hold metrics.
PURE_VISION = (
    "hipflex.vision.pose",
    "hipflex.vision.angles",
    "hipflex.vision.form",
    "hipflex.vision.form_rules",
    "hipflex.vision.smoothing",
    "hipflex.vision.tracker",
    "hipflex.vision.hold_metrics",
)
# reports/ is the drawing adapter of the physiotherapist's report: it renders the pure
# insights (matplotlib charts into a PDF or HTML file). The core and the use cases never import
# it; it reads no history itself (the edge hands it the insights) and drives no session.
REPORTS = ("hipflex.reports",)

# Reading the time of day or a monotonic clock. Only the clocks in domain/clock.py may; the
# rest of the program is handed a Clock (the CLI and the web app make one at their root).
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "monotonic_ns"),
    ("time", "localtime"),
}
CLOCK_READERS = {
    "hipflex.domain.clock": "the clocks themselves",
    # The three below are adapters whose readings never reach a record or a decision about
    # the session: a live camera's own frame times (the device adapter), the deadline of a
    # bounded wait for SQLite's lock, and the computer's current UTC offset when its time
    # zone has no IANA name.
    "hipflex.vision.mediapipe_source": "a live camera's frame timestamps",
    "hipflex.storage.db": "the bounded wait for a locked database",
    "hipflex.reminders.timezones": "naming the computer's own time zone",
}
# The clinic server is an edge of its own, with its own root (clinic/app.py builds its app).
COMPOSITION_ROOTS = {"hipflex.cli.app", "hipflex.web.app", "hipflex.clinic.app"}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    def imports(self) -> Iterator[str]:
        """Every module this one imports, absolute, wherever the import statement is."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = self.name.split(".")[: -node.level]
                    base = ".".join([*parent, base] if base else parent)
                yield base
                yield from (f"{base}.{alias.name}" for alias in node.names)


def _modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


MODULES = _modules()


def _in(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(modules: list[Module], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module.name} imports {imported}"
        for module in modules
        for imported in set(module.imports())
        if _in(imported, forbidden)
    )


def _select(prefixes: tuple[str, ...]) -> list[Module]:
    chosen = [m for m in MODULES if _in(m.name, prefixes)]
    assert chosen, f"no modules under {prefixes}: the rule checks nothing"
    return chosen


def test_the_rules_see_the_whole_package() -> None:
    names = {m.name for m in MODULES}
    assert {"hipflex.domain.session", "hipflex.services.guided_session", "hipflex.web.app"} <= (
        names
    )
    # Imports inside functions count: the CLI imports heavy libraries lazily.
    session_cmd = next(m for m in MODULES if m.name == "hipflex.cli.session_cmd")
    assert "hipflex.storage.db" in set(session_cmd.imports())


def test_domain_imports_no_other_hipflex_package() -> None:
    domain = _select(("hipflex.domain",))
    outside = sorted(
        f"{module.name} imports {imported}"
        for module in domain
        for imported in set(module.imports())
        if _in(imported, ("hipflex",)) and not _in(imported, ("hipflex.domain",))
    )
    assert outside == []


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        pytest.param(
            PURE_VISION,
            (*STORAGE, *EDGES, *DEVICE_AND_DRAWING, *DATABASE, *WEB_AND_TERMINAL),
            id="vision-core",
        ),
        pytest.param(
            ("hipflex.insights",),
            (*STORAGE, *EDGES, *REPORTS, *DEVICE_AND_DRAWING, *DATABASE, *WEB_AND_TERMINAL),
            id="insights-computations",
        ),
        pytest.param(
            REPORTS,
            (*STORAGE, *EDGES, "hipflex.services", *CAMERA, *DATABASE, *WEB_AND_TERMINAL),
            id="report-drawing",
        ),
        pytest.param(
            ("hipflex.domain",),
            (*DEVICE_AND_DRAWING, *DATABASE, *WEB_AND_TERMINAL),
            id="domain",
        ),
        pytest.param(
            ("hipflex.services",),
            (*STORAGE, *EDGES, *REPORTS, *DEVICE_AND_DRAWING, *DATABASE, *WEB_AND_TERMINAL),
            id="use-cases",
        ),
    ],
)
def test_the_core_and_the_use_cases_import_no_edge_storage_or_device(
    modules: tuple[str, ...], forbidden: tuple[str, ...]
) -> None:
    assert _violations(_select(modules), forbidden) == []


def test_only_the_mediapipe_adapter_imports_mediapipe() -> None:
    importers = sorted(m.name for m in MODULES if any(_in(i, ("mediapipe",)) for i in m.imports()))
    assert importers == ["hipflex.vision.mediapipe_source"]


def test_only_the_clinic_client_speaks_http_and_nothing_below_the_edges_drives_the_sync() -> None:
    """sync/client.py is the one HTTP adapter (httpx) of the home app's clinic link; the core,
    the use cases and storage never reach for the sync package (storage only queues rows)."""
    importers = sorted(m.name for m in MODULES if any(_in(i, ("httpx",)) for i in m.imports()))
    assert importers == ["hipflex.sync.client"]
    below = _select(("hipflex.domain", "hipflex.vision", "hipflex.insights", "hipflex.services"))
    assert _violations(below, ("hipflex.sync",)) == []
    assert _violations(_select(STORAGE), ("hipflex.sync",)) == []


def test_only_the_queue_adapter_imports_procrastinate() -> None:
    """jobs/procrastinate_queue.py is the one adapter of the job queue; the use cases see the
    queue through its port (jobs/queue.py) only, so another engine could replace it."""
    importers = sorted(
        m.name for m in MODULES if any(_in(i, ("procrastinate",)) for i in m.imports())
    )
    assert importers == ["hipflex.jobs.procrastinate_queue"]
    adapters = ("hipflex.jobs.procrastinate_queue", "hipflex.jobs.workers", "hipflex.jobs.analyzer")
    assert _violations(_select(("hipflex.services", "hipflex.domain")), adapters) == []


def test_only_storage_imports_the_database_libraries() -> None:
    importers = sorted(
        {m.name for m in MODULES if any(_in(i, DATABASE) for i in m.imports())}
        - {m.name for m in MODULES if _in(m.name, STORAGE)}
    )
    assert importers == []


def _clock_reads(module: Module) -> Iterator[str]:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            )
            if (owner_name, node.func.attr) in CLOCK_READS:
                yield f"{module.name}:{node.lineno} {owner_name}.{node.func.attr}()"
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if ("time", alias.name) in CLOCK_READS:
                    yield f"{module.name}:{node.lineno} from time import {alias.name}"


def test_only_the_clock_reads_the_time() -> None:
    reads = [read for m in MODULES if m.name not in CLOCK_READERS for read in _clock_reads(m)]
    assert reads == []


def test_the_rule_catches_a_clock_read() -> None:
    sample = Module(
        "hipflex.web.sample",
        Path("sample.py"),
        ast.parse(
            "import time\nfrom datetime import datetime\nx = datetime.now()\ny = time.monotonic()"
        ),
    )
    assert list(_clock_reads(sample)) == [
        "hipflex.web.sample:3 datetime.now()",
        "hipflex.web.sample:4 time.monotonic()",
    ]


def test_only_the_composition_roots_make_the_real_clock() -> None:
    makers = sorted(
        m.name
        for m in MODULES
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "SystemClock"
    )
    assert set(makers) == COMPOSITION_ROOTS


def test_the_edges_drive_the_use_case_not_its_parts() -> None:
    # The engine, the recorder and the form tracker are wired once, in services/.
    parts = (
        "hipflex.domain.session.SessionEngine",
        "hipflex.services.recorder",
        "hipflex.vision.tracker.FormTracker",
    )
    assert _violations(_select(EDGES), parts) == []
