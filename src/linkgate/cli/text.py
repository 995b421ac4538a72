"""``linkgate text``: links and pass-codes inside chat messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from linkgate.cli.common import INPUT_OPTION, OUTPUT_OPTION, inputs, write_jsonl
from linkgate.facts import Inspector
from linkgate.urls.extract import LinkExtractor, PasscodeRule

app = typer.Typer(help="Find links and platform pass-codes in message text.")


def _found(messages: Iterator[str], inspector: Inspector) -> Iterator[dict[str, Any]]:
    rules = [
        PasscodeRule(platform=pid, pattern=pattern, app_names=names)
        for pid, pattern, names in inspector.registry.passcode_rules()
    ]
    extractor = LinkExtractor(rules)
    for index, message in enumerate(messages):
        for link in extractor.extract(message):
            platform = link.platform
            link_kind: str | None = None
            if link.url is not None:
                facts = inspector.inspect(link.url)
                platform = facts.platform_id
                link_kind = facts.link_kind
            yield {
                "message": index,
                "kind": link.kind,
                "text": link.text,
                "start": link.start,
                "end": link.end,
                "url": link.url,
                "platform": platform,
                "link_kind": link_kind,
            }


@app.command("links")
def links_cmd(
    messages: list[str] | None = typer.Argument(None, help="Message texts."),
    input_file: Path | None = INPUT_OPTION,
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Print one JSON object per link or pass-code found, in text order.

    ``message`` is the 0-based index of the message it was found in;
    ``start``/``end`` are character offsets into that message.
    """
    source = inputs(messages, input_file, "messages")
    write_jsonl(_found(source, Inspector.default()), output)
