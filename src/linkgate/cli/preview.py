"""``linkgate preview fetch URL``: a link's preview as JSON (GET only; see docs/api.md)."""

from __future__ import annotations

import json

import typer

from linkgate.cli.common import fail
from linkgate.preview import PreviewConfig, PreviewFetcher, PreviewRefused

app = typer.Typer(help="Link previews: title, description and og: tags.", no_args_is_help=True)


@app.command("fetch")
def fetch_cmd(
    url: str = typer.Argument(..., help="The link as shared.", show_default=False),
    allow_host: list[str] = typer.Option(
        [], "--allow-host", help="host:port that may be fetched although internal (repeatable)."
    ),
    timeout: float = typer.Option(10.0, "--timeout", help="Total seconds for the fetch."),
    max_bytes: int = typer.Option(1 << 20, "--max-bytes", help="Largest page read."),
    max_redirects: int = typer.Option(5, "--max-redirects", help="Redirects followed."),
) -> None:
    """Fetch a link's preview and print it as JSON; a refused fetch exits 1 with its reason."""
    if timeout <= 0 or max_bytes <= 0 or max_redirects < 0:
        fail("--timeout and --max-bytes must be positive, --max-redirects not negative")
    defaults = PreviewConfig()
    config = PreviewConfig(
        total_timeout=timeout,
        read_timeout=min(timeout, defaults.read_timeout),
        connect_timeout=min(timeout, defaults.connect_timeout),
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    )
    try:
        preview = PreviewFetcher(config, allow_hosts=allow_host).fetch(url)
    except PreviewRefused as refused:
        fail(f"preview refused ({refused.reason}): {refused.detail}", code=1)
    typer.echo(json.dumps(preview.to_dict(), ensure_ascii=False))
