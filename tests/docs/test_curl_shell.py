"""The shell subset the documentation's examples are run with behaves like the real shell and curl."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.docs.curl_shell import CurlShell, ShellError, jq_path, split_words

Seen = list[httpx.Request]


@pytest.fixture
def seen() -> Seen:
    return []


@pytest.fixture
def shell(seen: Seen) -> Iterator[CurlShell]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"id": "42", "start": "2026-11-26T11:00:00+11:00"}])

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        yield CurlShell(client)


def test_quotes_and_variables_split_like_the_shell() -> None:
    words = split_words("""curl -s "$BASE/x y" -H 'a: $NOT' plain\\ word | jq""", {"BASE": "http://h"})
    texts = [w for w in words if isinstance(w, str)]
    assert texts == ["curl", "-s", "http://h/x y", "-H", "a: $NOT", "plain word", "jq"]


def test_an_unset_variable_fails_loudly() -> None:
    with pytest.raises(ShellError, match=r"\$MISSING is not set"):
        split_words('curl "$MISSING"', {})


def test_a_captured_value_feeds_a_here_document_body(shell: CurlShell, seen: Seen) -> None:
    shell.run(
        """ID='x-id: a'
START=$(curl -s http://h/slots -H "$ID" | jq -r '.[0].start')
curl -s -X POST http://h/book -H "$ID" -H 'Content-Type: application/json' -d @- <<EOF
{"start": "$START",
 "n": 1}
EOF
""",
        1,
    )
    book = seen[-1]
    assert (book.method, str(book.url), book.headers["x-id"]) == ("POST", "http://h/book", "a")
    # curl's -d @- strips newlines, as the real one does.
    assert json.loads(book.content) == {"start": "2026-11-26T11:00:00+11:00", "n": 1}
    assert b"\n" not in book.content


def test_data_without_a_content_type_is_sent_as_a_form_as_curl_does(shell: CurlShell, seen: Seen) -> None:
    shell.run("curl -s http://h/x -d '{\"a\": 1}'", 1)
    assert seen[-1].headers["content-type"] == "application/x-www-form-urlencoded"


def test_get_with_urlencoded_data_encodes_the_plus_of_an_offset(shell: CurlShell, seen: Seen) -> None:
    shell.run('curl -s -G http://h/slots --data-urlencode "start=2026-11-26T09:00:00+11:00"', 1)
    assert seen[-1].url.query == b"start=2026-11-26T09%3A00%3A00%2B11%3A00"


def test_a_single_quoted_body_may_span_lines(shell: CurlShell, seen: Seen) -> None:
    shell.run("curl -s -X POST http://h/p -H 'Content-Type: application/json' -d '\n  {\"a\":\n 1}'", 1)
    assert json.loads(seen[-1].content) == {"a": 1}


def test_basic_auth_as_curl_sends_it(shell: CurlShell, seen: Seen) -> None:
    shell.run("curl -s http://h/v1/user -u 'key-au1:'", 1)
    assert seen[-1].headers["authorization"] == "Basic a2V5LWF1MTo="


@pytest.mark.parametrize("line", ["curl http://h | grep x", "rm -rf /", "curl http://h > out.json", "curl --compressed http://h"])
def test_shell_the_tests_cannot_run_is_refused_with_its_line(shell: CurlShell, line: str) -> None:
    with pytest.raises(ShellError, match="line 7"):
        shell.run(line, 7)


def test_jq_paths() -> None:
    value = [{"id": "1", "tags": ["a", "b"]}]
    assert jq_path(value, ".") == value
    assert jq_path(value, ".[0].id") == "1"
    assert jq_path(value, ".[0].tags[1]") == "b"
    with pytest.raises(ShellError):
        jq_path(value, ".[] | .id")
