"""Building a gateway from the CLI's --policy/--registry options."""

from __future__ import annotations

from pathlib import Path

import typer

from linkgate.cli.common import fail
from linkgate.datafile import DataFileError
from linkgate.gateway import Gateway

POLICY_OPTION = typer.Option(None, "--policy", help="Policy YAML (default: the bundled policy).")
REGISTRY_OPTION = typer.Option(
    None, "--registry", help="Platform registry YAML (default: the bundled registry)."
)


def load_gateway(policy: Path | None, registry: Path | None) -> Gateway:
    """A gateway over these files; an invalid file is a one-line error naming the first problem."""
    try:
        return Gateway.from_files(registry=registry, policy=policy)
    except DataFileError as exc:
        first = exc.problems[0]
        more = len(exc.problems) - 1
        suffix = f" (and {more} more; run 'linkgate policy validate')" if more else ""
        fail(f"{first}{suffix}", code=1)
