"""How every `refinery` command reports a mistake it expects (bad config, missing input, unusable data): one red
line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=True)


@contextmanager
def exit_on(*errors: type[Exception]) -> Iterator[None]:
    """Turn the given exceptions into `error: MESSAGE` and exit 2. The message is printed as plain text: a path or
    value with brackets (`[en, zh]`, `[/tmp]`) would otherwise be read as rich markup, or crash it."""
    try:
        yield
    except errors as err:
        console.print(f"[red]error:[/red] {escape(str(err))}", highlight=False)
        raise typer.Exit(2) from None
