"""``medley --help`` and every subcommand's help read cleanly: no Python type placeholders (``<str>``,
``<bool>`` on flags), no words lost to markup ("Interface to listen on ."), and serve's defaults shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from medley.cli import app
from medley.cli_help import tidy_command

TYPE_PLACEHOLDER = re.compile(r"<(str|int|float|bool|path|datetime|list\[[^\]]*\])>")
LOST_WORDS = re.compile(r"\w [.,;:](\s|$)")
COMMAND = tidy_command(app)  # what `medley` (medley.cli:main) runs


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


PATHS = list(_command_paths(COMMAND))


def _help(*path: str) -> str:
    """The help exactly as ``medley … --help`` prints it (the real command, in a process of its own)."""
    result = subprocess.run(
        [sys.executable, "-m", "medley.cli", *path, "--help"],
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _help_in_process(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    """The same command object ``medley`` runs, in this process (a process per help would cost minutes)."""
    try:
        COMMAND.main([*path, "--help"], prog_name="medley", standalone_mode=False)
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    return capsys.readouterr().out


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "medley" for p in PATHS])
def test_every_help_reads_cleanly(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    text = _help_in_process(path, capsys)
    assert "Usage: medley" in text, text
    assert not TYPE_PLACEHOLDER.search(text), text
    assert not LOST_WORDS.search(text), text


@pytest.mark.parametrize("command", ["serve", "sandbox"])
def test_serve_shows_where_it_listens_by_default(command: str) -> None:
    text = " ".join(_help(command).split())
    assert "Interface to listen on." in text and "MEDLEY_HOST, else 127.0.0.1" in text, text
    assert "Port to listen on." in text and "MEDLEY_PORT, else 8000" in text, text
