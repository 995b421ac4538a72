"""The Synapse module: every link sent through the homeserver is governed by linkgate.

``homeserver.yaml``::

    modules:
      - module: linkgate.matrix.LinkgateModule
        config: {mode: in_process, shim: {public_url: …, secret_keys: …}}

It registers one third-party-rules callback, ``check_event_allowed``, which
Synapse calls for every event created on this homeserver before it is
stored and sent (events arriving over federation are not seen). For an
``m.room.message`` (edits included) it finds the links and pass-codes,
decides each for the room's channel, and then refuses the message (the
sender's client gets ``403 M_FORBIDDEN`` with the reason), lets it through
unchanged, or replaces its content with links rewritten to shim URLs and
copy-only links shown as text with a notice. An ``org.linkgate.link_settings``
state event with an invalid setting is refused with ``400 M_BAD_JSON``.

Each message's decisions are logged on the ``linkgate.matrix`` logger, with
the room, event and sender ids pseudonymised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from linkgate.domains.registry import Registry
from linkgate.events import Pseudonymizer
from linkgate.gateway import Gateway
from linkgate.matrix.config import MatrixConfigError, ModuleConfig, parse_config
from linkgate.matrix.deciders import (
    Decider,
    DecisionUnavailable,
    InProcessDecider,
    RemoteDecider,
    Share,
    Verdict,
)
from linkgate.matrix.messages import MessageLink, MessageLinks, thaw
from linkgate.matrix.outcome import (
    Plan,
    copy_only_notices,
    plan,
    refusal_details,
    refusal_message,
    unavailable_message,
)
from linkgate.matrix.rooms import (
    LINK_SETTINGS_EVENT,
    PREFERENCES_ACCOUNT_DATA,
    Room,
    link_setting_problem,
    opted_out,
    preferred_language,
    room_for,
)
from linkgate.urls.extract import LinkExtractor, PasscodeRule

log = logging.getLogger("linkgate.matrix")

MESSAGE_EVENT = "m.room.message"


def extractor_for(registry: Registry) -> LinkExtractor:
    """A link extractor that knows the registry's pass-code rules."""
    return LinkExtractor(
        [
            PasscodeRule(platform=pid, pattern=pattern, app_names=names)
            for pid, pattern, names in registry.passcode_rules()
        ]
    )


class LinkgateModule:
    """Synapse module (``module: linkgate.matrix.LinkgateModule``)."""

    def __init__(self, config: ModuleConfig, api: Any) -> None:
        self._config = config
        self._api = api
        self._pseudonym = Pseudonymizer(config.pseudonym_key)
        self._decider: Decider
        if config.mode == "in_process":
            assert config.shim.keys is not None  # parse_config requires them
            gateway = Gateway.from_files(registry=config.registry, policy=config.policy)
            registry = gateway.snapshot.inspector.registry
            self._decider = InProcessDecider(gateway, config.shim.keys, config.shim.public_url)
        else:
            assert config.server is not None  # parse_config requires it
            registry = Registry.load(config.registry) if config.registry else Registry.default()
            self._decider = RemoteDecider(
                config.server.url,
                config.server.api_key,
                config.server.timeout_seconds,
                api.defer_to_thread,
            )
        self._links = MessageLinks(extractor_for(registry), config.shim.prefix, config.exempt_hosts)
        self._passcode_targets = {
            platform.id: f"https://{platform.domains[0]}/"
            for platform in registry
            if platform.domains
        }
        if config.pseudonym_key_generated:
            log.warning(
                "no pseudonym_key configured: ids in the decision log are pseudonymised "
                "with a key that changes at every restart"
            )
        api.register_third_party_rules_callbacks(check_event_allowed=self.check_event_allowed)
        log.info("linkgate module loaded (%s mode, shim %s)", config.mode, config.shim.public_url)

    @staticmethod
    def parse_config(config: Mapping[str, Any]) -> ModuleConfig:
        """Synapse calls this at start-up; every mistake is reported at once."""
        try:
            return parse_config(config)
        except MatrixConfigError as exc:
            from synapse.module_api.errors import ConfigError

            raise ConfigError("linkgate: " + "; ".join(exc.problems)) from None

    # -- the callback ----------------------------------------------------------------

    async def check_event_allowed(
        self, event: Any, state_events: Mapping[tuple[str, str], Any]
    ) -> tuple[bool, dict[str, Any] | None]:
        if event.type == LINK_SETTINGS_EVENT and event.get_state_key() == "":
            self._check_link_settings(event.content)
            return True, None
        if event.type != MESSAGE_EVENT:
            return True, None
        content = event.content
        links = self._links.find(content)
        if not links:
            return True, None
        state = {key: ev.content for key, ev in state_events.items()}
        room = room_for(event.room_id, state, event.sender, self._config.broadcast_rooms)
        try:
            share = await self._share(room, event.sender)
            verdicts = await self._decide(links, share)
        except DecisionUnavailable as exc:
            return await self._unavailable(event, room, str(exc))
        except Exception as exc:
            log.exception("linkgate could not decide the links of a message")
            return await self._unavailable(event, room, f"internal error: {type(exc).__name__}")
        outcome = plan(links, verdicts, self._config.refuse_reasons)
        self._log(event, room, verdicts, outcome)
        if outcome.refused:
            language = await self._language(event.sender)
            raise _error(
                403,
                refusal_message(outcome.refused, language),
                "M_FORBIDDEN",
                {"org.linkgate.refused": refusal_details(outcome.refused)},
            )
        if not outcome.changes_content:
            return True, None
        notices = copy_only_notices(outcome.copy_only, self._config.language)
        replacement = thaw(event.get_dict())
        replacement["content"] = self._links.rewrite(content, outcome.renderings, notices)
        return True, replacement

    # -- pieces -----------------------------------------------------------------------

    def _check_link_settings(self, content: Mapping[str, Any]) -> None:
        problem = link_setting_problem(content)
        if problem is not None:
            raise _error(400, f"{LINK_SETTINGS_EVENT}: {problem}", "M_BAD_JSON")

    async def _share(self, room: Room, sender: str) -> Share:
        recipients = room.recipients(sender)
        opt_out = room.channel == "group_chat" and await self._all_opted_out(recipients)
        return Share(
            channel=room.channel,
            sender=sender,
            group=self._pseudonym(room.room_id),
            group_setting=room.group_setting if room.channel == "group_chat" else None,
            viewer_opt_out=opt_out,
            recipients=recipients if room.channel == "private_chat" else (),
            at=self._config.clock.now(),
        )

    async def _all_opted_out(self, recipients: Sequence[str]) -> bool:
        """Whether every recipient opted out of links (one shared event reaches them all)."""
        if not recipients:
            return False
        for user in recipients:
            if not self._api.is_mine(user):
                return False
            if not opted_out(await self._preferences(user)):
                return False
        return True

    async def _preferences(self, user: str) -> Mapping[str, Any] | None:
        data = await self._api.account_data_manager.get_global(user, PREFERENCES_ACCOUNT_DATA)
        return data if isinstance(data, Mapping) else None

    async def _language(self, user: str) -> str:
        try:
            preferences = await self._preferences(user)
        except ValueError:  # not a local user
            preferences = None
        return preferred_language(preferences, self._config.language)

    async def _decide(
        self, links: Sequence[MessageLink], share: Share
    ) -> dict[MessageLink, Verdict]:
        targets: dict[MessageLink, str] = {}
        for link in links:
            target = link.target
            if target is None and link.platform is not None:
                target = self._passcode_targets.get(link.platform)
            if target is not None:
                targets[link] = target
        distinct = list(dict.fromkeys(targets.values()))
        verdicts = dict(zip(distinct, await self._decider.decide(distinct, share), strict=True))
        return {link: verdicts[target] for link, target in targets.items()}

    async def _unavailable(
        self, event: Any, room: Room, why: str
    ) -> tuple[bool, dict[str, Any] | None]:
        choice = self._config.on_error.get(room.channel, "closed")
        log.warning(
            "linkgate decision unavailable (%s): %s; %s",
            why,
            self._ids(event, room),
            "delivered unchanged (fail-open)" if choice == "open" else "refused (fail-closed)",
        )
        if choice == "open":
            return True, None
        raise _error(503, unavailable_message(await self._language(event.sender)), "M_UNKNOWN")

    def _ids(self, event: Any, room: Room) -> str:
        return json.dumps(
            {
                "event": self._pseudonym(event.event_id),
                "room": self._pseudonym(room.room_id),
                "sender": self._pseudonym(event.sender),
                "channel": room.channel,
            },
            sort_keys=True,
        )

    def _log(
        self, event: Any, room: Room, verdicts: Mapping[MessageLink, Verdict], outcome: Plan
    ) -> None:
        if outcome.refused:
            result = "refused"
        elif outcome.changes_content:
            result = "rewritten"
        else:
            result = "delivered"
        record = {
            "event": self._pseudonym(event.event_id),
            "room": self._pseudonym(room.room_id),
            "sender": self._pseudonym(event.sender),
            "channel": room.channel,
            "outcome": result,
            "decisions": [
                {
                    "decision_id": verdict.decision_id,
                    "kind": link.kind,
                    "url": verdict.url,
                    "treatment": verdict.treatment,
                    "interstitial": verdict.interstitial,
                    "reasons": list(verdict.reasons),
                    "policy_revision": verdict.policy_revision,
                }
                for link, verdict in verdicts.items()
            ],
        }
        log.info("linkgate decisions %s", json.dumps(record, ensure_ascii=False, sort_keys=True))


def _error(
    status: int, message: str, errcode: str, fields: dict[str, Any] | None = None
) -> Exception:
    """A Synapse error: its status, code and message (and ``fields``) reach the client."""
    from synapse.module_api.errors import SynapseError

    error: Exception = SynapseError(status, message, errcode, additional_fields=fields)
    return error
