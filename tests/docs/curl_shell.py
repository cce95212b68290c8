"""Runs the documentation's ```sh examples without a shell: each ``curl`` becomes an httpx request.

The examples keep to a small, portable subset of POSIX shell (bash and zsh run them as they are):

* ``NAME=word`` and ``export NAME=word`` (``word`` unquoted, 'single-quoted' or "double-quoted");
  ``$NAME``, ``${NAME}`` and ``$RANDOM`` expand in unquoted and double-quoted words and in here-documents.
* ``NAME=$(curl …)`` keeps the answer's body; ``NAME=$(curl … | jq -r 'PATH')`` and
  ``NAME=$(echo "$OTHER" | jq -r 'PATH')`` keep one value, where ``PATH`` is ``.``, ``.key`` and ``.[n]``
  steps (e.g. ``.[0].id``).
* ``curl …`` shows an answer, optionally piped to ``jq`` (``| jq`` or ``| jq 'PATH'``); ``echo`` shows
  a variable.
* curl options: ``-s -S -i -X -H -d --data --data-raw --data-binary --data-urlencode -G -u -o`` (short
  flags may be combined, as in ``-sS``), a body from a here-document with ``-d @- <<EOF``.
* Lines end with ``\\`` to continue; ``#`` starts a comment line.

Anything else fails the test with the line it could not run, so a page cannot drift into examples that
nobody checks. curl's own behaviour is kept where it matters to a reader: ``-d`` without a
``Content-Type`` header sends ``application/x-www-form-urlencoded``, ``-d @-`` strips newlines.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import httpx

_ASSIGNMENT = re.compile(r"^(?:export\s+)?(?P<name>[A-Za-z_]\w*)=(?P<value>.*)$", re.DOTALL)
_SUBSTITUTION = re.compile(r"^\$\((?P<command>.*)\)$", re.DOTALL)
_HEREDOC = re.compile(r"<<-?\s*(?P<quote>['\"]?)(?P<tag>\w+)(?P=quote)\s*$")
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)\}|(?P<plain>[A-Za-z_]\w*))")
_JQ_STEP = re.compile(r"\.(?P<key>[A-Za-z_]\w*)|\.?\[(?P<index>-?\d+)\]")
_SHORT_SWITCHES = frozenset("sSi")
_SWITCHES = frozenset({"--silent", "--show-error", "--include"})
_DATA_OPTIONS = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode"})


class ShellError(AssertionError):
    """An example uses shell the documentation tests cannot run."""


class _Pipe:
    """An unquoted ``|`` between words."""


PIPE = _Pipe()
Word = str | _Pipe


@dataclass(frozen=True)
class Executed:
    """One curl command that ran: its request, the answer, and what the reader's terminal showed."""

    line: int
    request: httpx.Request
    response: httpx.Response
    shown: Any = None
    """The JSON value printed after a ``| jq`` filter, when there was one."""
    filtered: bool = False


@dataclass
class CurlShell:
    client: httpx.Client
    variables: dict[str, str] = field(default_factory=dict)

    def run(self, script: str, first_line: int) -> list[Executed]:
        """Run one ```sh block; return the curl commands it ran, in order."""
        executed: list[Executed] = []
        for command in _commands(script, first_line):
            try:
                stdin = command.stdin
                if stdin is not None and command.expand_stdin:
                    stdin = expand(stdin, self.variables)
                executed.extend(self._run_command(command.text, stdin, command.line))
            except ShellError as error:
                raise ShellError(f"line {command.line}: {error}\n  {command.text}") from None
        return executed

    def _run_command(self, command: str, stdin: str | None, line: int) -> list[Executed]:
        assignment = _ASSIGNMENT.match(command)
        if assignment is None:
            _, executed = self._pipeline(command, stdin, line)
            return executed
        name, value = assignment.group("name"), assignment.group("value").strip()
        substitution = _SUBSTITUTION.match(value)
        if substitution is None:
            words = split_words(value, self.variables)
            if len(words) != 1 or isinstance(words[0], _Pipe):
                raise ShellError("an assignment takes one word (quote it)")
            self.variables[name] = words[0]
            return []
        output, executed = self._pipeline(substitution.group("command"), stdin, line)
        self.variables[name] = output.rstrip("\n")
        # The terminal shows nothing: the documented answer is the whole body the variable was taken from.
        return [replace(run, shown=None, filtered=False) for run in executed]

    def _pipeline(self, command: str, stdin: str | None, line: int) -> tuple[str, list[Executed]]:
        stages = _stages(split_words(command, self.variables))
        first, rest = stages[0], stages[1:]
        if len(rest) > 1 or (rest and rest[0][0] != "jq"):
            raise ShellError("only `curl … | jq …` and `echo … | jq …` pipelines are run")
        jq = _jq_filter(rest[0]) if rest else None
        executed: list[Executed] = []
        if first[0] == "curl":
            request, output_file = curl_request(self.client, first[1:], stdin)
            response = self.client.send(request)
            text = "" if output_file else response.text
            shown = None
            if jq is not None:
                shown = _filter_answer(response, jq.path)
                text = jq_output(shown, raw=jq.raw)
            executed.append(Executed(line, request, response, shown, jq is not None))
            return text, executed
        if first[0] == "echo" and jq is None:
            return " ".join(first[1:]) + "\n", executed
        if first[0] == "echo" and jq is not None:
            if len(first) != 2:
                raise ShellError("echo takes one quoted word")
            return jq_output(jq_path(json.loads(first[1]), jq.path), raw=jq.raw), executed
        raise ShellError(f"unsupported command {first[0]!r}")


@dataclass(frozen=True)
class _JqFilter:
    path: str
    raw: bool


def _jq_filter(words: list[str]) -> _JqFilter:
    options = [w for w in words[1:] if w.startswith("-")]
    arguments = [w for w in words[1:] if not w.startswith("-")]
    if set(options) - {"-r", "-c"} or len(arguments) > 1:
        raise ShellError("jq takes -r/-c and one path")
    return _JqFilter(arguments[0] if arguments else ".", "-r" in options)


def _filter_answer(response: httpx.Response, path: str) -> Any:
    try:
        return jq_path(response.json(), path)
    except (ValueError, LookupError, TypeError):
        raise ShellError(f"jq {path!r} cannot read a {response.status_code} answer: {response.text[:300]}") from None


def jq_path(value: Any, path: str) -> Any:
    """Follow a jq path made of ``.key`` and ``.[n]`` steps."""
    if path == ".":
        return value
    position = 0
    while position < len(path):
        step = _JQ_STEP.match(path, position)
        if step is None:
            raise ShellError(f"unsupported jq path {path!r}")
        value = value[step.group("key")] if step.group("key") else value[int(step.group("index"))]
        position = step.end()
    return value


def jq_output(value: Any, *, raw: bool) -> str:
    if raw and isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _stages(words: list[Word]) -> list[list[str]]:
    stages: list[list[str]] = [[]]
    for word in words:
        if isinstance(word, _Pipe):
            stages.append([])
        else:
            stages[-1].append(word)
    if any(not stage for stage in stages):
        raise ShellError("empty pipeline stage")
    return stages


@dataclass(frozen=True)
class _Command:
    line: int
    text: str
    stdin: str | None = None
    expand_stdin: bool = False


def _commands(script: str, first_line: int) -> list[_Command]:
    """Logical commands (continuations joined) with their here-document, if any."""
    lines = script.splitlines()
    commands: list[_Command] = []
    index = 0
    while index < len(lines):
        start = index
        text = lines[index]
        if text.lstrip().startswith("#"):
            index += 1
            continue
        while index + 1 < len(lines) and (text.endswith("\\") or _inside_quotes(text)):
            index += 1
            text = text[:-1] + " " + lines[index].strip() if text.endswith("\\") else text + "\n" + lines[index]
        index += 1
        if not text.strip():
            continue
        heredoc = _HEREDOC.search(text)
        if heredoc is None:
            commands.append(_Command(first_line + start, text.strip()))
            continue
        body: list[str] = []
        while index < len(lines) and lines[index].strip() != heredoc.group("tag"):
            body.append(lines[index])
            index += 1
        index += 1  # the closing tag
        stdin = "\n".join(body) + "\n"
        text = text[: heredoc.start()].strip()
        commands.append(_Command(first_line + start, text, stdin, expand_stdin=not heredoc.group("quote")))
    return commands


def _inside_quotes(text: str) -> bool:
    """Whether a line ends inside a quoted string (which then goes on on the next line)."""
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "'":
            index += 2
            continue
        if quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        index += 1
    return quote is not None


def expand(text: str, variables: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        if name == "RANDOM":
            return str(random.randint(0, 32767))  # as the shell's $RANDOM
        if name not in variables:
            raise ShellError(f"${name} is not set")
        return variables[name]

    return _VARIABLE.sub(value, text)


def split_words(text: str, variables: Mapping[str, str]) -> list[Word]:
    """Shell word splitting with quotes, backslashes, variable expansion and unquoted ``|``."""
    words: list[Word] = []
    current: list[str] = []
    in_word = False
    index = 0
    while index < len(text):
        char = text[index]
        if char in " \t\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            index += 1
        elif char == "|":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            words.append(PIPE)
            index += 1
        elif char == "'":
            end = text.find("'", index + 1)
            if end < 0:
                raise ShellError("unterminated single quote")
            current.append(text[index + 1 : end])
            in_word, index = True, end + 1
        elif char == '"':
            end, chunk = _double_quoted(text, index + 1)
            current.append(expand(chunk, variables))
            in_word, index = True, end + 1
        elif char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            in_word, index = True, index + 2
        elif char == "$":
            match = _VARIABLE.match(text, index)
            if match is None:
                raise ShellError("only $NAME and ${NAME} expansions are run")
            current.append(expand(match.group(0), variables))
            in_word, index = True, match.end()
        elif char in ";&<>`()":
            raise ShellError(f"unsupported shell syntax {char!r}")
        else:
            current.append(char)
            in_word, index = True, index + 1
    if in_word:
        words.append("".join(current))
    return words


def _double_quoted(text: str, start: int) -> tuple[int, str]:
    """The end index of a double-quoted string and its content (escapes resolved, ``$`` kept)."""
    chunk: list[str] = []
    index = start
    while index < len(text):
        char = text[index]
        if char == '"':
            return index, "".join(chunk)
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\`':
            chunk.append(text[index + 1])
            index += 2
            continue
        if char == "`":
            raise ShellError("command substitution with backquotes is not run")
        chunk.append(char)
        index += 1
    raise ShellError("unterminated double quote")


def curl_request(client: httpx.Client, arguments: list[str], stdin: str | None) -> tuple[httpx.Request, str | None]:
    """The request a curl command line sends, and its ``-o`` file if any."""
    method: str | None = None
    url: str | None = None
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    as_query = False
    auth: tuple[str, str] | None = None
    output_file: str | None = None
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        takes_value = argument in {"-X", "--request", "-H", "--header", "-u", "--user", "-o", "--output"}
        if takes_value or argument in _DATA_OPTIONS:
            if index + 1 >= len(arguments):
                raise ShellError(f"{argument} needs a value")
            value = arguments[index + 1]
            index += 2
            if argument in {"-X", "--request"}:
                method = value
            elif argument in {"-H", "--header"}:
                name, _, header_value = value.partition(":")
                headers.append((name.strip(), header_value.strip()))
            elif argument in {"-u", "--user"}:
                user, _, password = value.partition(":")
                auth = (user, password)
            elif argument in {"-o", "--output"}:
                output_file = value
            else:
                data.append(_data_value(argument, value, stdin))
            continue
        if argument in {"-G", "--get"}:
            as_query = True
        elif argument in _SWITCHES or _combined_switches(argument):
            pass  # output switches: they change what the terminal shows, not the request
        elif argument.startswith("-"):
            raise ShellError(f"unsupported curl option {argument}")
        elif url is None:
            url = argument
        else:
            raise ShellError("curl takes one URL")
        index += 1
    if url is None:
        raise ShellError("curl needs a URL")
    body: str | None = None
    if data and as_query:
        url += ("&" if "?" in url else "?") + "&".join(data)
    elif data:
        body = "&".join(data)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    method = method or ("POST" if body is not None else "GET")
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))
    return client.build_request(method, url, headers=headers, content=body), output_file


def _combined_switches(argument: str) -> bool:
    return argument.startswith("-") and not argument.startswith("--") and len(argument) > 1 and (
        set(argument[1:]) <= _SHORT_SWITCHES
    )


def _data_value(option: str, value: str, stdin: str | None) -> str:
    if value.startswith("@"):
        if value != "@-" or stdin is None:
            raise ShellError("a body from a file is read only as `@-` from a here-document")
        value = stdin
        if option != "--data-binary":
            value = value.replace("\r", "").replace("\n", "")
    if option == "--data-urlencode":
        name, separator, content = value.partition("=")
        return f"{name}={quote(content, safe='')}" if separator else quote(value, safe="")
    return value
