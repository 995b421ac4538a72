"""``linkgate psl``: the public suffix list snapshot."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from linkgate.cli.common import fail
from linkgate.domains.psl import PslFileError, install_psl_file

app = typer.Typer(help="Manage the public suffix list snapshot.")


@app.command("update")
def update_cmd(
    file: Path = typer.Option(..., "--file", help="A public_suffix_list.dat to use from now on."),
) -> None:
    """Replace the bundled snapshot with a newer file (kept in linkgate's data directory)."""
    try:
        installed = install_psl_file(file)
    except PslFileError as exc:
        fail(str(exc))
    Console(stderr=True).print(f"installed {installed.rules} rules to {installed.path}")
