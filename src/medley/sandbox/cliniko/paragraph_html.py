"""Paragraph answers of treatment notes, sanitised as Cliniko does before it stores them.

Cliniko documents the tags it keeps (``p div br ul ol li blockquote h1 h2 b i u a``) and that ``\\n``, ``\\r``
and ``\\t`` are stripped. Where it is silent, the emulator chooses (docs/cliniko-emulator.md): every other
control character goes too; another tag is dropped but its text kept, except ``script``, ``style`` and
``form``, which go with their content (as Rails' safe-list sanitizer does); comments go; attributes go,
except an ``a``'s ``href`` to an ``http``, ``https`` or ``mailto`` address; text is escaped, so a bare
``<`` comes back as ``&lt;``; tags left open are closed and stray closing tags dropped.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from typing import Final

ALLOWED_TAGS: Final = frozenset({"p", "div", "br", "ul", "ol", "li", "blockquote", "h1", "h2", "b", "i", "u", "a"})
_DROPPED_WITH_CONTENT: Final = frozenset({"script", "style", "form"})
_VOID: Final = frozenset({"br"})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_SAFE_HREF = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


def sanitize_paragraph(text: str) -> str:
    """The answer as Cliniko would store it."""
    cleaner = _Cleaner()
    cleaner.feed(_CONTROL_CHARACTERS.sub("", text))
    cleaner.close()
    return cleaner.result()


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif self._skipping or tag not in ALLOWED_TAGS:
            return
        elif tag in _VOID:
            self._out.append(f"<{tag}>")
        else:
            href = next((value for name, value in attrs if name == "href" and value), None) if tag == "a" else None
            kept = f' href="{escape(href)}"' if href is not None and _SAFE_HREF.match(href.strip()) else ""
            self._out.append(f"<{tag}{kept}>")
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag in ALLOWED_TAGS and tag not in _VOID and not self._skipping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping = max(self._skipping - 1, 0)
        elif not self._skipping and tag in self._open:
            # Close what was left open inside it, then the tag itself.
            while self._open:
                inner = self._open.pop()
                self._out.append(f"</{inner}>")
                if inner == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._out.append(escape(data, quote=False))

    def result(self) -> str:
        return "".join(self._out) + "".join(f"</{tag}>" for tag in reversed(self._open))
