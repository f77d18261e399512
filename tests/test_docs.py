"""Docs that cannot drift: every setting and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from bot.cli import app
from bot.config import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "config.example.env").read_text(encoding="utf-8")
VARIABLES = [ENV_PREFIX + name.upper() for name in Settings.model_fields]


def _commands() -> list[str]:
    """Every command path of `quotecheck --help`, groups and their sub-commands."""
    found: list[str] = []

    def walk(command: object, path: str) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "hidden", False):
                continue
            found.append(f"{path} {name}")
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "quotecheck")
    return found


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_setting_is_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in README, f"document {variable} in README.md (Configuration)"


@pytest.mark.parametrize("variable", VARIABLES)
def test_every_setting_is_in_config_example(variable: str) -> None:
    pattern = rf"^#? ?{variable}="
    assert re.search(pattern, EXAMPLE, re.MULTILINE), f"add {variable} to config.example.env"


def test_config_example_names_only_real_settings() -> None:
    named = re.findall(rf"^#? ?({ENV_PREFIX}[A-Z_]+)=", EXAMPLE, re.MULTILINE)
    assert sorted(set(named) - set(VARIABLES)) == []


def test_config_example_holds_the_defaults() -> None:
    """The uncommented values parse and are the safe defaults (a copy changes nothing)."""
    assert Settings(_env_file=ROOT / "config.example.env") == Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_command_list_is_read() -> None:  # guards the walk below against an empty result
    assert {"quotecheck status", "quotecheck sources add", "quotecheck db upgrade"} <= set(
        _commands()
    )


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    *group, name = command.split()
    # a sub-command may also be named later on a line about its group, as in
    # "`quotecheck sources add` / `list` / `remove`"
    mentioned = command in README or (
        len(group) > 1
        and re.search(rf"`{re.escape(' '.join(group))} [^\n]*`{re.escape(name)}[` ]", README)
    )
    assert mentioned, f"document `{command}` in README.md (Commands)"


def test_the_readme_pictures_are_committed_small_pngs() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/receipt.png" in pictures
    for name in pictures:
        data = (ROOT / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        width = int.from_bytes(data[16:20], "big")
        assert 600 <= width <= 1200 and len(data) < 400_000, (name, width, len(data))
