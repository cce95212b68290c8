"""``/llms.txt``: the REST API described for agents that read docs before calling (the llms.txt convention)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse


@cache
def llms_txt() -> str:
    return files("medley.agents").joinpath("llms.txt").read_text(encoding="utf-8")


def install_llms_txt(app: FastAPI) -> None:
    @app.get("/llms.txt", include_in_schema=False)
    async def serve_llms_txt() -> PlainTextResponse:
        return PlainTextResponse(llms_txt(), media_type="text/markdown; charset=utf-8")
