"""The web console (sandbox mode) and the offline API reference (always)."""

from __future__ import annotations

from fastapi import FastAPI

from medley.config import Settings
from medley.console.api_docs import install_api_docs
from medley.console.pages import install_console_page


def install_console(app: FastAPI, settings: Settings) -> None:
    """Adds ``/docs`` and ``/redoc`` (local assets, no CDN) and, only when ``settings.sandbox`` is true,
    ``/console``: without the sandbox there are no credentials to give it, so it answers 404."""
    install_api_docs(app, settings)
    if settings.sandbox:
        install_console_page(app, settings)


__all__ = ["install_console"]
