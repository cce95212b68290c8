"""Links between the pages lead somewhere: the file exists, and so does the heading an anchor names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.doc_blocks import heading_anchors

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "README.md",
    "docs/quickstart.md",
    "docs/going-live.md",
    "docs/reference.md",
    "docs/operations.md",
    "docs/sandbox-test-data.md",
    "docs/sandbox-test-data-acuity.md",
    "docs/acuity-emulator.md",
    "docs/agents.md",
]
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page: str) -> None:
    path = ROOT / page
    text = _FENCED.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for match in _LINK.finditer(text):
        target = match.group("target")
        if re.match(r"^[a-z]+:", target):
            continue  # an absolute URL
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page} has broken links: {broken}"
