"""Every example request of the Quickstart and of the sandbox test-data page runs, in order, against a
real ``medley serve``, and answers what the page says it answers (status, headers shown, body shape).

The shell examples and the Python examples are two separate readers: each runs against its own fresh
server, as someone following the page from the top would. ``http://127.0.0.1:8000`` in the pages (the
address ``make run`` serves) is replaced by the test server's address.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.docs.answers import mismatches
from tests.docs.curl_shell import CurlShell
from tests.docs.doc_blocks import Block, DocumentedAnswer, documented_answer, read_blocks
from tests.support.server import running_medley

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["quickstart.md", "sandbox-test-data.md"]
DOCUMENTED_BASE_URL = "http://127.0.0.1:8000"
SERVER_ENV = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000"}


@dataclass
class Segment:
    """The examples up to one documented answer (or up to the end of the page, with no answer)."""

    blocks: list[Block] = field(default_factory=list)
    answer: DocumentedAnswer | None = None


def segments(blocks: list[Block]) -> list[Segment]:
    found = [Segment()]
    for block in blocks:
        answer = documented_answer(block)
        if answer is None:
            found[-1].blocks.append(block)
        else:
            found[-1].answer = answer
            found.append(Segment())
    return found


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    with running_medley("serve", SERVER_ENV, tmp_path) as url:
        yield url


def _page(name: str) -> list[Block]:
    path = DOCS / name
    if not path.exists():
        pytest.fail(f"docs/{name} is missing")
    return read_blocks(path)


@pytest.mark.parametrize("page", PAGES)
def test_every_documented_answer_follows_an_example(page: str) -> None:
    for segment in segments(_page(page)):
        if segment.answer is not None:
            runnable = [b for b in segment.blocks if b.language in ("sh", "python")]
            assert runnable, f"docs/{page}:{segment.answer.line}: an answer with no example request before it"


@pytest.mark.parametrize("page", PAGES)
def test_shell_examples_answer_as_documented(page: str, server_url: str) -> None:
    problems: list[str] = []
    with httpx.Client(timeout=60.0) as client:
        shell = CurlShell(client)
        for segment in segments(_page(page)):
            executed = []
            for block in segment.blocks:
                if block.language == "sh":
                    executed += shell.run(block.text.replace(DOCUMENTED_BASE_URL, server_url), block.line + 1)
            if not executed:
                continue
            documented = executed[-1] if segment.answer is not None else None
            for run in executed:
                if run is documented:
                    assert segment.answer is not None
                    found = mismatches(segment.answer, run.response, run.shown, filtered=run.filtered)
                    problems += [f"docs/{page}:{run.line}: {problem}" for problem in found]
                elif run.response.status_code >= 400:
                    problems.append(f"docs/{page}:{run.line}: undocumented failure {run.response.status_code}: "
                                    f"{run.response.text[:300]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_answer_as_documented(
    page: str, server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # examples may save a downloaded file
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    problems: list[str] = []
    for segment in segments(_page(page)):
        blocks = [b for b in segment.blocks if b.language == "python"]
        if not blocks:
            continue
        before = namespace.get("response")
        for block in blocks:
            code = compile(block.text.replace(DOCUMENTED_BASE_URL, server_url), f"docs/{page}:{block.line}", "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)  # the page's own example, run as a reader would
        response = namespace.get("response")
        if segment.answer is None:
            continue
        line = f"docs/{page}:{segment.answer.line}"
        if response is before or not isinstance(response, httpx.Response):
            problems.append(f"{line}: the Python example before this answer leaves no new `response`")
            continue
        problems += [f"{line}: {problem}" for problem in mismatches(segment.answer, response)]
    client = namespace.get("client")
    if isinstance(client, httpx.Client):
        client.close()
    assert not problems, "\n".join(problems)


def test_the_readme_example_books_an_appointment(server_url: str) -> None:
    readme = DOCS.parent / "README.md"
    (block,) = [b for b in read_blocks(readme) if b.language == "python"]
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    code = compile(block.text.replace(DOCUMENTED_BASE_URL, server_url), f"README.md:{block.line}", "exec")
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(code, namespace)  # the README's own example
    namespace["api"].close()
    assert printed.getvalue().startswith("booked ")
