"""The deployment files, checked as far as a machine without a container daemon can.

- `compose.yaml` parses, names Postgres and two replicas with their ports,
  health checks and start order, and passes only settings Tock reads and the
  README documents; no secret is written in it.
- The `Dockerfile` starts from a slim Python, runs as a non-root user,
  checks `/readyz`, and installs with the very commands of `make install`.
- `deploy/tock.service` runs `tock run` from that install, restarting always.
- `deploy/tock.env.example` names only real settings, with no values for secrets.
"""

from __future__ import annotations

import configparser
import fnmatch
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).parents[1]
SECRETS = {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY"}
REPLICAS = {"tock-1": "3001", "tock-2": "3002"}
CONTAINER_PORT = str(Settings.model_fields["port"].default)
IMAGE_PYTHON = "python"  # the interpreter of the python:*-slim images, for the Makefile's $(PY)


def setting_names() -> set[str]:
    """Every environment variable Settings reads."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names |= {alias} if isinstance(alias, str) else set(getattr(alias, "choices", []))
    return names


def readme_configuration() -> set[str]:
    """The variables in the README's Configuration table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


# ---- compose.yaml ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_starts_postgres_and_two_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", *REPLICAS}
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    volume = services["postgres"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # the data outlives the container


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_each_replica_waits_for_postgres_and_is_healthy_when_ready(
    compose: dict[str, Any], name: str
) -> None:
    replica = compose["services"][name]
    assert replica["build"] == "."
    assert replica["ports"] == [f"{REPLICAS[name]}:{CONTAINER_PORT}"]
    assert replica["environment"]["TOCK_PORT"] == CONTAINER_PORT
    assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    probe = " ".join(replica["healthcheck"]["test"])
    assert replica["healthcheck"]["test"][0] == "CMD" and "/readyz" in probe
    assert replica["restart"] in ("always", "unless-stopped")


def test_the_replicas_share_one_postgres_and_the_same_settings(compose: dict[str, Any]) -> None:
    envs = [compose["services"][name]["environment"] for name in sorted(REPLICAS)]
    assert envs[0] == envs[1]
    url = envs[0]["TOCK_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://tock:") and url.endswith("@postgres:5432/tock")
    postgres = compose["services"]["postgres"]["environment"]
    assert (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]) == ("tock", "tock")


def test_compose_passes_only_documented_settings_and_writes_no_secret(
    compose: dict[str, Any],
) -> None:
    env = compose["services"]["tock-1"]["environment"]
    assert set(env) <= setting_names()
    assert set(env) <= readme_configuration()
    assert {
        "SLACK_BOT_TOKEN",
        "TOCK_DATABASE_URL",
        "TOCK_LOG_FORMAT",
        "TOCK_RETENTION_DAYS",
    } <= set(env)
    for name in SECRETS:  # every secret comes from .env (or the shell) by interpolation
        assert re.fullmatch(rf"\$\{{{name}(:[?-].*)?\}}", env[name]), env[name]
    assert "${POSTGRES_PASSWORD:?" in env["TOCK_DATABASE_URL"]
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")


def test_the_readme_describes_the_compose_file(compose: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text()
    for name, port in REPLICAS.items():
        assert f"`{name}`" in readme and port in readme
    assert "docker compose up" in readme


# ---- Dockerfile ------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in joined.splitlines())
        if word
    ]


def instructions(keyword: str) -> list[str]:
    return [rest for word, rest in dockerfile() if word == keyword]


def makefile_install() -> list[str]:
    """The commands of the Makefile's install rule, its variables expanded.

    `make install` depends on `$(STAMP)`, whose recipe installs. Two lines are
    make's own bookkeeping, not the install: `test -x … || CMD` (in a fresh
    image there is never a venv yet, so it is CMD) and `touch $(STAMP)`.
    """
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*[:?]?=\s*(.*?)\s*$", text, re.M)) | {"PY": IMAGE_PYTHON}
    assert re.search(r"^install:\s*\$\(STAMP\)\s*$", text, re.M)
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", text, re.M)
    assert recipe is not None
    commands = []
    for line in recipe.group(1).splitlines():
        command = line.strip()
        while "$(" in command:
            command = re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], command)
        if command.startswith("touch "):
            continue
        commands.append(command.split(" || ", 1)[-1] if command.startswith("test ") else command)
    return commands


def test_the_image_installs_with_the_commands_of_make_install() -> None:
    expected = makefile_install()
    assert any("pip install" in c and "-e '.[dev]'" in c for c in expected)  # the parse worked
    installs = [run for run in instructions("RUN") if "pip install" in run]
    assert len(installs) == 1
    assert [c.strip() for c in installs[0].split("&&")] == expected
    venv_bin = expected[-1].split("/python", 1)[0]  # .venv/bin
    env = instructions("ENV")[0]
    assert f"PATH=/app/{venv_bin}:$PATH" in env  # `tock` is that install's script
    assert instructions("WORKDIR") == ["/app"]


def test_the_image_is_a_slim_python_that_tock_supports() -> None:
    [base] = instructions("FROM")
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim(?:-\w+)?", base)
    assert match, base
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    least = tuple(map(int, project["requires-python"].removeprefix(">=").split(".")))
    assert (int(match[1]), int(match[2])) >= least


def test_the_image_runs_tock_as_a_non_root_user() -> None:
    users = instructions("USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    if user.isdigit():  # numeric (so runAsNonRoot can check it): the user the image creates
        assert any(f"--uid {user}" in run for run in instructions("RUN"))
    assert instructions("CMD") == ['["tock", "run"]']
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tock"] == "bot.cli:main"
    assert instructions("STOPSIGNAL") == ["SIGTERM"]  # the graceful shutdown


def test_the_image_checks_readyz_on_the_port_it_exposes() -> None:
    [check] = instructions("HEALTHCHECK")
    assert "CMD" in check and "/readyz" in check and "TOCK_PORT" in check
    assert instructions("EXPOSE") == [CONTAINER_PORT]
    assert f"TOCK_PORT={CONTAINER_PORT}" in instructions("ENV")[0]


def test_the_build_context_keeps_secrets_out_and_the_install_in() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p.removeprefix("**/")) for p in patterns)

    for kept_out in (".env", ".env.production", "tock.db", "tock.db-wal", ".git", ".venv"):
        assert ignored(kept_out), kept_out
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    for needed in ("pyproject.toml", project["project"]["readme"], *packages):
        assert not ignored(needed), needed


# ---- systemd and the settings file ----------------------------------------------------


def test_the_systemd_unit_runs_tock_from_the_make_install_venv_and_restarts() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "tock.service")
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    venv_bin = makefile_install()[-1].split("/python", 1)[0]  # .venv/bin
    assert command[0].endswith(f"/{venv_bin}/tock") and command[1:] == ["run"]
    assert service["Restart"] == "always"
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"] == "/etc/tock/tock.env"
    assert service["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_settings_file_example_names_real_settings_and_holds_no_secret() -> None:
    entries = dict(
        line.lstrip("# ").split("=", 1)
        for line in (ROOT / "deploy" / "tock.env.example").read_text().splitlines()
        if re.match(r"#? ?[A-Z][A-Z0-9_]*=", line)
    )
    names = set(entries) - {"POSTGRES_PASSWORD"}  # compose's Postgres, not a Tock setting
    assert names <= setting_names()
    assert names <= readme_configuration()
    assert names >= SECRETS
    for name in (*SECRETS, "POSTGRES_PASSWORD"):
        assert entries[name] == "", f"{name} has a value in the example"
