"""``linkgate decide``: decisions from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from linkgate.cli.common import OUTPUT_OPTION, fail, read_lines, write_jsonl
from linkgate.cli.gateway import POLICY_OPTION, REGISTRY_OPTION, load_gateway
from linkgate.errors import RequestError
from linkgate.gateway import Gateway


def _requests(path: Path) -> Iterator[tuple[int, dict[str, Any] | RequestError]]:
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RequestError("line", f"{path}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            yield number, RequestError("line", f"{path}:{number}: expected a JSON object")
            continue
        yield number, item


def _decide_file(gateway: Gateway, path: Path) -> Iterator[dict[str, Any]]:
    for number, item in _requests(path):
        if isinstance(item, RequestError):
            yield {"line": number, "error": {"field": item.field, "message": item.message}}
            continue
        (result,) = gateway.decide_many([item])
        if isinstance(result, RequestError):
            yield {"line": number, "error": {"field": result.field, "message": result.message}}
        else:
            yield result.to_dict()


def decide_cmd(
    url: str | None = typer.Argument(None, help="The link as typed."),
    channel: str | None = typer.Option(
        None, "--channel", "-c", help="private_chat, group_chat, moments, official_account, qr_scan"
    ),
    at: str | None = typer.Option(None, "--at", help="Decide as of this ISO 8601 time."),
    sender: str | None = typer.Option(None, "--sender"),
    viewer: str | None = typer.Option(None, "--viewer"),
    group_setting: str | None = typer.Option(
        None, "--group-setting", help="allow, deny, commerce_only, content_only"
    ),
    viewer_opt_out: bool = typer.Option(False, "--viewer-opt-out"),
    title: str | None = typer.Option(
        None, "--title", help="The link preview's title (classified for violating content)."
    ),
    description: str | None = typer.Option(
        None, "--description", help="The link preview's description (classified like the title)."
    ),
    input_file: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        help="JSON Lines of requests: url, channel, at, sender, …, title, description",
    ),
    output: Path | None = OUTPUT_OPTION,
    policy: Path | None = POLICY_OPTION,
    registry: Path | None = REGISTRY_OPTION,
) -> None:
    """Decide how a link may open and print the decision as JSON."""
    gateway = load_gateway(policy, registry)
    if input_file is not None:
        if url is not None:
            fail("give a URL or --input, not both")
        write_jsonl(_decide_file(gateway, input_file), output)
        return
    if url is None:
        fail("no URL given: pass one, or --input FILE")
    if channel is None:
        fail("channel: required (--channel)")
    try:
        decision = gateway.decide(
            url,
            channel=channel,
            at=at,
            sender=sender,
            viewer=viewer,
            group_setting=group_setting,
            viewer_opt_out=viewer_opt_out,
            title=title,
            description=description,
        )
    except RequestError as exc:
        fail(str(exc))
    text = json.dumps(decision.to_dict(), ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
