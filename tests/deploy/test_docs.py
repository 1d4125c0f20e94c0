"""The deployment guide and the README name only commands that exist."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import click
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"flask --app wsgi ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)")


def named_commands() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for doc in ("docs/deploy.md", "README.md"):
        for match in COMMAND.finditer((ROOT / doc).read_text(encoding="utf-8")):
            found.add(tuple(match.group(1).split()))
    return found


def resolve(app: Flask, words: tuple[str, ...]) -> click.Command | None:
    """The command `flask` would run: the app's own, or one a package plugs in (`db`)."""
    command: click.Command | None = app.cli.commands.get(words[0])
    if command is None:
        plugged = {entry.name: entry for entry in entry_points(group="flask.commands")}
        command = plugged[words[0]].load() if words[0] in plugged else None
    if isinstance(command, click.Group) and len(words) > 1:
        return command.commands.get(words[1])
    return command


def test_every_documented_command_exists(app: Flask) -> None:
    commands = named_commands()
    # The guide covers the whole operating routine, so it names these at least.
    assert {("db", "upgrade"), ("users", "create"), ("points", "audit"), ("webhooks", "work")} <= commands
    missing = [" ".join(words) for words in sorted(commands) if resolve(app, words) is None]
    assert missing == []


def test_the_guide_matches_the_configuration_it_documents() -> None:
    guide = (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    environment = guide.split("## 2. Configure", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    config = (ROOT / "config.py").read_text(encoding="utf-8")
    variables = re.findall(r"^(?:# Optional: )?([A-Z][A-Z_]+)=", environment, flags=re.M)
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(variables)
    for variable in variables:
        assert f'"{variable}"' in config, f"docs/deploy.md sets {variable}, which config.py never reads"
