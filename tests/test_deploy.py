"""The image and compose file stay what the tests run: `pip install .` from exactly the copied
files builds a complete package, `briefbot run` is the command, the HEALTHCHECK really probes
/healthz, the user is not root, and compose only sets variables that Settings reads."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.http import HttpServer
from bot.observability import Metrics, Readiness

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """A Dockerfile's instructions with line continuations joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "a continued line never ends"
    result = []
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        result.append(Instruction(keyword.upper(), arguments.strip()))
    return result


def stages() -> list[list[Instruction]]:
    found: list[list[Instruction]] = []
    for instruction in instructions(REPO / "Dockerfile"):
        if instruction.keyword == "FROM":
            found.append([])
        assert found, "the Dockerfile must start with FROM"
        found[-1].append(instruction)
    return found


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list) and all(isinstance(part, str) for part in parsed)
    return parsed


def test_multi_stage_slim_image_installs_with_pip_and_runs_briefbot_as_non_root() -> None:
    build, runtime = stages()
    assert build[0].arguments == "python:3.11-slim AS build"
    assert runtime[0].arguments == "python:3.11-slim"
    runs = [i.arguments for i in build if i.keyword == "RUN"]
    assert "pip install ." in runs  # runtime dependencies only: no extras, no -e
    assert not any("pip" in i.arguments for i in runtime if i.keyword == "RUN")
    assert any(i.keyword == "COPY" and i.arguments.startswith("--from=build ") for i in runtime)

    users = [i.arguments for i in runtime if i.keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert exec_form(next(i.arguments for i in runtime if i.keyword == "CMD")) == [
        "briefbot",
        "run",
    ]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["briefbot"] == "bot.cli:main"


def healthcheck_command() -> list[str]:
    (check,) = [i.arguments for i in stages()[-1] if i.keyword == "HEALTHCHECK"]
    tokens = shlex.split(check.split(" CMD ", 1)[0])
    assert all(token.startswith("--") for token in tokens)
    command = exec_form(check.split(" CMD ", 1)[1])
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


async def run_check(command: list[str], port: int) -> int:
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, "BRIEFBOT_HTTP_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 60)


async def test_healthcheck_command_probes_healthz() -> None:
    command = healthcheck_command()
    http = HttpServer("127.0.0.1", 0, metrics=Metrics(), readiness=Readiness())
    await http.start()
    port = http.port
    try:
        assert await run_check(command, port) == 0
    finally:
        await http.stop()
    assert await run_check(command, port) != 0


def build_context(destination: Path) -> Path:
    """Lay out what the build stage's COPY lines put into WORKDIR, minus .dockerignore'd files
    (Docker semantics: a directory's contents go into the target; files go into a target/)."""
    build = stages()[0]
    (workdir,) = [i.arguments for i in build if i.keyword == "WORKDIR"]
    ignored = [
        line.strip().removeprefix("**/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    root = destination / workdir.lstrip("/")
    root.mkdir(parents=True)
    for instruction in build:
        if instruction.keyword != "COPY":
            continue
        *sources, target = instruction.arguments.split()
        into = root / target
        for source in sources:
            origin = REPO / source
            if origin.is_dir():
                shutil.copytree(
                    origin, into, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*ignored)
                )
            else:
                place = into / origin.name if target.endswith("/") else into
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, place)
    return root


def test_copied_files_build_the_whole_package(tmp_path: Path) -> None:
    context = build_context(tmp_path / "image")
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    for pattern in packages["packages"]["find"]["include"]:
        assert (context / pattern.rstrip("*")).is_dir(), f"{pattern} is not copied into the image"

    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "-q",
            "-w",
            str(wheels),
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("briefbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "briefbot = bot.cli:main" in archive.read(entry_points).decode()
    for needed in (
        "bot/http.py",
        "bot/observability.py",
        "schedules/leader.py",
        "summarizer/migrate.py",
        "summarizer/migrations/env.py",
        "summarizer/migrations/script.py.mako",
        "summarizer/migrations/versions/__init__.py",
    ):
        assert needed in names, f"{needed} is missing from the image's package"
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_replicas_on_postgresql_in_webhook_mode() -> None:
    services = compose()["services"]
    bot = services["briefbot"]
    assert bot["build"] == "."
    assert str(bot["deploy"]["replicas"]).endswith(":-3}")
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    environment = bot["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/briefbot")
    assert environment["TELEGRAM_WEBHOOK_URL"].endswith("/telegram")
    assert "SLACK_APP_TOKEN" not in environment  # HTTP mode, not Socket Mode
    assert environment["LOG_FORMAT"] == "json"
    assert "8080" in [str(port) for port in bot["expose"]]
    assert "briefbot:8080" in services["proxy"]["command"]
    assert services["postgres"]["healthcheck"]["test"]


def test_compose_sets_only_variables_settings_reads() -> None:
    known = {field.alias for field in Settings.model_fields.values() if field.alias}
    environment = compose()["services"]["briefbot"]["environment"]
    unknown = set(environment) - known
    assert unknown == set(), f"compose sets variables briefbot ignores: {unknown}"


@pytest.mark.parametrize("secret", [".env", ".git", ".venv", "data"])
def test_secrets_and_local_state_stay_out_of_the_build_context(secret: str) -> None:
    lines = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert secret in lines
