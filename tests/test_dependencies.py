"""What pyproject.toml declares against what the code uses: every runtime dependency is imported
by our packages or the benches (an unused one only costs install size), and APScheduler is pinned
to the minor release whose internals schedules/scheduler.py overrides, which must still exist."""

from __future__ import annotations

import ast
import inspect
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("summarizer", "bot", "schedules", "bench")  # `make bench` runs on the same install
NOT_IMPORTED = {
    "tzdata": "zoneinfo's time zone data where the system has none",
    "psycopg": "the PostgreSQL driver, loaded by SQLAlchemy from the URL",
}
"""Declared dependencies no module imports by name, and why they are still needed."""


def requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    found = (Requirement(line) for line in project["dependencies"])
    return {canonicalize_name(requirement.name): requirement for requirement in found}


def imported_distributions() -> set[str]:
    """The distributions whose top-level modules our packages import."""
    modules: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    owners = packages_distributions()
    return {canonicalize_name(dist) for module in modules for dist in owners.get(module, [])}


def test_every_declared_dependency_is_imported() -> None:
    imported = imported_distributions()
    unused = sorted(
        name for name in requirements() if name not in imported and name not in NOT_IMPORTED
    )
    assert unused == [], f"declared in pyproject.toml, imported nowhere: {unused}"


def test_apscheduler_is_pinned_to_the_minor_release_the_scheduler_was_written_for() -> None:
    pinned = requirements()["apscheduler"].specifier
    installed = Version(version("apscheduler"))
    assert installed in pinned
    following = Version(f"{installed.major}.{installed.minor + 1}.0")
    assert following not in pinned, f"apscheduler{pinned} admits {following}, not tested"


def test_the_apscheduler_internals_the_scheduler_overrides_still_exist() -> None:
    """schedules/scheduler.py overrides or calls these private parts of APScheduler 3.11."""
    from apscheduler.executors.base import BaseExecutor
    from apscheduler.job import Job
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.schedulers.base import STATE_PAUSED, BaseScheduler

    expected = {
        (BaseExecutor, "_do_submit_job"): ["self", "job", "run_times"],
        (BaseExecutor, "_run_job_success"): ["self", "job_id", "events"],
        (BaseExecutor, "_run_job_error"): ["self", "job_id", "exc", "traceback"],
        (AsyncIOScheduler, "_start_timer"): ["self", "wait_seconds"],
        (AsyncIOScheduler, "_stop_timer"): ["self"],
        (BaseScheduler, "_process_jobs"): ["self"],
        (BaseScheduler, "_lookup_executor"): ["self", "alias"],
        (Job, "_modify"): ["self", "changes"],
    }
    for (owner, name), parameters in expected.items():
        method = getattr(owner, name, None)
        assert method is not None, f"{owner.__name__}.{name} is gone"
        assert list(inspect.signature(method).parameters) == parameters, (owner, name)
    scheduler = AsyncIOScheduler()
    assert hasattr(scheduler, "_jobstores") and hasattr(scheduler, "_jobstores_lock")
    assert isinstance(STATE_PAUSED, int)
