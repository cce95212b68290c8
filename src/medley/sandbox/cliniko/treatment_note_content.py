"""The schema of treatment note ``content`` (reference §6.7), checked before anything is written.

``content`` is null or ``{"sections": [section, ...]}``; a section has an optional ``name`` and
``description`` and a non-empty ``questions`` list; a question has a ``name``, a ``type`` and, by
type, an ``answer`` (text, paragraph, date) or ``answers`` (checkboxes, radiobuttons). A violation is
a 422 whose message names the place, e.g. ``sections/0/questions/1/type must be one of: …``; content
that is not an object at all gets Cliniko's bare ``must be an object``. Paragraph answers are stored
sanitised (``paragraph_html.py``); one left empty by that is omitted, as Cliniko asks for empty keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from medley.sandbox.cliniko.errors import MustBeAnObject, SchemaInvalid
from medley.sandbox.cliniko.paragraph_html import sanitize_paragraph

QUESTION_TYPES: Final = ("text", "paragraph", "checkboxes", "radiobuttons", "date", "bodycharts")
_FREE_TEXT_TYPES: Final = frozenset({"text", "paragraph", "date"})
_CHOICE_TYPES: Final = frozenset({"checkboxes", "radiobuttons"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME_MAX = 255
_DESCRIPTION_MAX = 10_000


def validate_content(content: Any) -> dict[str, Any] | None:
    """Returns the content to store (paragraph answers sanitised) when valid; raises ``MustBeAnObject`` or
    ``SchemaInvalid``."""
    if content is None:
        return None
    if not isinstance(content, dict):
        raise MustBeAnObject()
    sections = _non_empty_list(content.get("sections"), "sections")
    for index, section in enumerate(sections):
        _section(section, f"sections/{index}")
    return {**content, "sections": [_sanitised_section(section) for section in sections]}


def _sanitised_section(section: dict[str, Any]) -> dict[str, Any]:
    if "questions" not in section:
        return section
    return {**section, "questions": [_sanitised_question(question) for question in section["questions"]]}


def _sanitised_question(question: dict[str, Any]) -> dict[str, Any]:
    if question.get("type") != "paragraph" or "answer" not in question:
        return question
    cleaned = {key: value for key, value in question.items() if key != "answer"}
    answer = sanitize_paragraph(question["answer"])
    return {**cleaned, "answer": answer} if answer else cleaned


def _section(section: Any, where: str) -> None:
    if not isinstance(section, dict):
        raise MustBeAnObject(where)
    _optional_text(section, "name", _NAME_MAX, where)
    _optional_text(section, "description", _DESCRIPTION_MAX, where)
    if "questions" in section:
        questions = _non_empty_list(section["questions"], f"{where}/questions")
        for index, question in enumerate(questions):
            _question(question, f"{where}/questions/{index}")


def _question(question: Any, where: str) -> None:
    if not isinstance(question, dict):
        raise MustBeAnObject(where)
    name = question.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SchemaInvalid(f"{where}/name is required and must be a non-empty string")
    _optional_text(question, "name", _NAME_MAX, where)
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        raise SchemaInvalid(f"{where}/type must be one of: {', '.join(QUESTION_TYPES)}")
    if "answer" in question:
        _answer(question["answer"], kind, f"{where}/answer")
    if "answers" in question:
        _answers(question["answers"], kind, question.get("other"), f"{where}/answers")
    if "other" in question:
        _other(question["other"], f"{where}/other")
    if "body_chart_ids" in question:
        chart_ids = question["body_chart_ids"]
        if not isinstance(chart_ids, list) or not all(isinstance(item, str | int) for item in chart_ids):
            raise SchemaInvalid(f"{where}/body_chart_ids must be an array of ids")


def _answer(answer: Any, kind: str, where: str) -> None:
    if kind not in _FREE_TEXT_TYPES:
        raise SchemaInvalid(f"{where} is only allowed for text, paragraph and date questions")
    if not isinstance(answer, str) or not answer:
        raise SchemaInvalid(f"{where} must be a non-empty string")
    if kind == "date":
        try:
            valid = bool(_DATE.match(answer)) and date.fromisoformat(answer) is not None
        except ValueError:
            valid = False
        if not valid:
            raise SchemaInvalid(f"{where} must be a date (YYYY-MM-DD)")


def _answers(answers: Any, kind: str, other: Any, where: str) -> None:
    if kind not in _CHOICE_TYPES:
        raise SchemaInvalid(f"{where} is only allowed for checkboxes and radiobuttons questions")
    selected = 0
    for index, answer in enumerate(_non_empty_list(answers, where)):
        place = f"{where}/{index}"
        if not isinstance(answer, dict):
            raise MustBeAnObject(place)
        value = answer.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > _NAME_MAX):
            raise SchemaInvalid(f"{place}/value must be null or a string of at most {_NAME_MAX} characters")
        if "selected" in answer:
            if answer["selected"] is not True:
                raise SchemaInvalid(f"{place}/selected may only be true (omit it otherwise)")
            selected += 1
    other_selected = isinstance(other, Mapping) and other.get("selected") is True
    if kind == "radiobuttons" and (selected > 1 or (selected and other_selected)):
        raise SchemaInvalid(f"{where} may have at most one selected answer in a radiobuttons question")


def _other(other: Any, where: str) -> None:
    if not isinstance(other, dict):
        raise MustBeAnObject(where)
    for flag in ("enabled", "selected"):
        if flag in other and not isinstance(other[flag], bool):
            raise SchemaInvalid(f"{where}/{flag} must be a boolean")
    _optional_text(other, "value", _NAME_MAX, where)


def _non_empty_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise SchemaInvalid(f"{where} must be a non-empty array")
    return value


def _optional_text(container: Mapping[str, Any], key: str, maximum: int, where: str) -> None:
    if key not in container:
        return
    value = container[key]
    if not isinstance(value, str) or len(value) > maximum:
        raise SchemaInvalid(f"{where}/{key} must be a string of at most {maximum} characters")
