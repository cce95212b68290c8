"""The emulators ``medley serve`` (and ``medley worker``) embed in sandbox mode, by EHR code.

Each is a `medley.sandbox.serving.Emulator`: the gateway mounts it under ``/sandbox/<code>`` for
inspection and reaches it in-process through an ASGI transport; it starts and stops them itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from medley.config import Settings
from medley.sandbox.serving import Emulator


def _cliniko(settings: Settings) -> Emulator:
    from medley.sandbox.cliniko.server import build_sandbox

    return build_sandbox(settings)


def _acuity(settings: Settings) -> Emulator:
    from medley.sandbox.acuity.server import build_sandbox

    return build_sandbox(settings)


EMULATORS: Final[dict[str, Callable[[Settings], Emulator]]] = {"cliniko": _cliniko, "acuity": _acuity}
"""EHR code → how to build its emulator from the settings (imported only when the sandbox is on)."""


def build_sandboxes(settings: Settings) -> dict[str, Emulator]:
    """Every emulator, by EHR code, built but not started."""
    return {code: build(settings) for code, build in EMULATORS.items()}
