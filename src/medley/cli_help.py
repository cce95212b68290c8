"""Help that reads cleanly: Typer's rich help labels every option with its Python type (``<str>``, and
``<bool>`` even for flags such as ``--help``). Here a flag shows no placeholder and a value shows its name
(``--host HOST``), unless the option sets its own ``metavar``; an argument shows its name (``NAME``)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperOption


class _NamedArgument(TyperArgument):
    """An argument shown by its name (``NAME``) alone: the name column already says what to type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _placeholder(option: TyperOption) -> str:
    long_names = [name for name in option.opts if name.startswith("--")]
    name = (long_names or option.opts)[0].lstrip("-")
    return name.replace("-", "_").upper()


def _tidy(command: Any, parent: Any) -> None:
    context = command.context_class(command, parent=parent, info_name=command.name)
    options = [p for p in command.params if isinstance(p, TyperOption)]
    help_option = command.get_help_option(context)
    if isinstance(help_option, TyperOption):
        options.append(help_option)
    for option in options:
        if option.metavar is None:
            option.metavar = "" if option.is_flag else _placeholder(option)
    for argument in command.params:
        if type(argument) is TyperArgument:
            argument.__class__ = _NamedArgument
            argument.metavar = argument.metavar or str(argument.name).upper()
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub, context)


def tidy_command(app: typer.Typer) -> Any:
    """The click command behind ``app``, with placeholders fit to read."""
    command = typer.main.get_command(app)
    _tidy(command, None)
    return command
