"""The parts of a Markdown page the documentation tests read: fenced blocks, documented answers, tables.

Conventions the pages keep (so that every example can be run and checked):

* A ```sh block is a shell example that is run (see ``curl_shell.py`` for the subset of shell it may use).
* A ```python block is a Python example that is run; all Python blocks of a page share one namespace, and
  a block that makes a documented request leaves its answer in ``response``.
* A ```http block whose first line is a status line (``HTTP/1.1 201 Created``) documents the answer to
  the request made just before it: the headers shown, then a blank line, then the body. A JSON body may
  be trimmed: a line holding only ``…`` stands for the array items left out.
* ```console blocks show commands that are not run (``make run``, ``medley apps create``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,})(?P<info>[^`]*)$")
_ELIDED = re.compile(r"^\s*(?:…|\.\.\.)\s*$")
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")
_STATUS_LINE = re.compile(r"^HTTP/[\d.]+ (?P<status>\d{3})\b")


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int
    """1-based line of the opening fence, for error messages."""


@dataclass(frozen=True)
class DocumentedAnswer:
    status: int
    headers: dict[str, str]
    """Header names in lower case."""
    body: str
    line: int

    def json(self) -> Any:
        """The body as JSON, with elided array items (``…`` lines) removed."""
        kept = "\n".join(line for line in self.body.splitlines() if not _ELIDED.match(line))
        return json.loads(_TRAILING_COMMA.sub(r"\1", kept))


def fenced_blocks(markdown: str) -> list[Block]:
    """Every fenced code block of a page, in order."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, language = opening.group("fence"), opening.group("info").strip().split(" ")[0].lower()
        opened_at = index + 1
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        blocks.append(Block(language, "\n".join(body), opened_at))
        index += 1
    return blocks


def read_blocks(path: Path) -> list[Block]:
    return fenced_blocks(path.read_text(encoding="utf-8"))


def documented_answer(block: Block) -> DocumentedAnswer | None:
    """The answer an ```http block documents, or None when the block is not an answer."""
    if block.language != "http":
        return None
    head, _, body = block.text.partition("\n\n")
    head_lines = head.splitlines()
    status = _STATUS_LINE.match(head_lines[0]) if head_lines else None
    if status is None:
        return None
    headers = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return DocumentedAnswer(int(status.group("status")), headers, body, block.line)


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of every Markdown table row of a page (header and separator rows included)."""
    rows = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            rows.append([cell.strip() for cell in stripped[1:-1].split("|")])
    return rows


def heading_anchors(markdown: str) -> set[str]:
    """The anchors code hosts give the page's headings (GitHub's rule: lower case, punctuation dropped,
    spaces to hyphens)."""
    anchors = set()
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors
