"""``linkgate url``: facts about links."""

from __future__ import annotations

from pathlib import Path

import typer

from linkgate.cli.common import INPUT_OPTION, OUTPUT_OPTION, inputs, write_jsonl
from linkgate.facts import Inspector

app = typer.Typer(help="Inspect links: parse, canonicalise, resolve, detect deception.")


@app.command("inspect")
def inspect_cmd(
    urls: list[str] | None = typer.Argument(None, help="Links as typed by a user."),
    input_file: Path | None = INPUT_OPTION,
    output: Path | None = OUTPUT_OPTION,
    with_expressions: bool = typer.Option(
        False, "--expressions", help="Add Safe Browsing lookup expressions and hash prefixes."
    ),
) -> None:
    """Print one JSON object per link, in input order."""
    source = inputs(urls, input_file, "URLs")
    inspector = Inspector.default()
    write_jsonl(
        (inspector.inspect(u).to_dict(with_expressions=with_expressions) for u in source), output
    )
