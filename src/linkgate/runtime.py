"""The running service: storage, the live snapshot, events and reloads, wired together.

``Runtime`` is the edge that the HTTP API and the CLI share. It opens the
store (running migrations), builds the decision snapshot from the live
policy revision and the registry, keeps it current when another replica
publishes (Redis pub/sub, with polling of the live revision as the
fallback), and writes decision events in batches.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import yaml

from linkgate.accounts import Accounts, Counting
from linkgate.casework import Casework
from linkgate.casework import Stores as CaseStores
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.domains.registry_loader import loads_platforms
from linkgate.enforcement.counters import RedisCounter
from linkgate.events import EventWriter, Pseudonymizer
from linkgate.facts import Inspector
from linkgate.gateway import Gateway, Snapshot
from linkgate.ids import Ids
from linkgate.lists.threats import ThreatLists
from linkgate.metrics import Metrics
from linkgate.opening.keys import ShimKeys
from linkgate.policy.evaluator import ContentSignal, Evaluator, State
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.policy.model import Policy
from linkgate.preview import PreviewFetcher
from linkgate.settings import Settings
from linkgate.shadow import ShadowLog, ShadowPolicy
from linkgate.storage.engine import STORE_ERRORS, database_url, is_memory_database, make_engine
from linkgate.storage.event_process import ProcessSink
from linkgate.storage.events import EventRecord
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import (
    AuditLog,
    ConsoleSessionStore,
    ConsoleUserStore,
    EventStore,
    GroupStore,
    KeyStore,
    LoginFailureStore,
    PlatformStore,
    PolicyStore,
    ThreatListStore,
)
from linkgate.storage.shadow import ShadowSetting, ShadowStore
from linkgate.storage.types import utcnow

log = logging.getLogger("linkgate.runtime")

#: The Redis channel (under the deployment's namespace) on which replicas announce a new
#: live revision.
RELOAD_CHANNEL = "live-revision"


@dataclass
class Stores:
    policies: PolicyStore
    platforms: PlatformStore
    groups: GroupStore
    keys: KeyStore
    events: EventStore
    audit: AuditLog
    threat_lists: ThreatListStore
    users: ConsoleUserStore
    sessions: ConsoleSessionStore
    login_failures: LoginFailureStore
    shadow: ShadowStore


def registry_from_documents(documents: list[dict[str, Any]]) -> Registry:
    """The bundled registry with platforms replaced or added from stored documents.

    Raises :class:`~linkgate.datafile.DataFileError` when the result is invalid
    (for example a domain registered by two platforms).
    """
    base = {p.id: p for p in Registry.default()}
    if not documents:
        return Registry.default()
    text = yaml.safe_dump({"version": 1, "platforms": documents}, allow_unicode=True)
    for platform in loads_platforms(text, "<stored platforms>"):
        base[platform.id] = platform
    return Registry(base.values(), source="store")


class Runtime:
    """Everything one server process needs; thread-safe for request handlers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = database_url(settings.database_url)
        upgrade(self.url)
        self.engine = make_engine(self.url)
        self.stores = Stores(
            policies=PolicyStore(self.engine),
            platforms=PlatformStore(self.engine),
            groups=GroupStore(self.engine),
            keys=KeyStore(self.engine),
            events=EventStore(self.engine),
            audit=AuditLog(self.engine),
            threat_lists=ThreatListStore(self.engine),
            users=ConsoleUserStore(self.engine),
            sessions=ConsoleSessionStore(self.engine),
            login_failures=LoginFailureStore(self.engine),
            shadow=ShadowStore(self.engine),
        )
        self.keys = ShimKeys.from_env_value(settings.resolved_secret_keys())
        self.pseudonym = Pseudonymizer(settings.resolved_pseudonym_key())
        self.psl = PublicSuffix.load()
        self._policy = self.live_policy()
        self._registry = Registry.default()
        self.casework = Casework(
            self.engine,
            CaseStores.on(self.engine, self.stores.audit),
            policy=lambda: self._policy,
            registry=lambda: self._registry,
            inspect=lambda url: self.gateway.inspect(url),
            pseudonym=self.pseudonym,
            changed=self.state_changed,
        )
        self.counting = Counting(None, max_events=self.settings.counter_max_events)
        self.share_ids = Ids("s")
        self.accounts = Accounts(
            self.casework,
            self.casework.stores.accounts,
            counting=self.counting,
            policy=lambda: self._policy,
            pseudonym=self.pseudonym,
            clock=utcnow,
        )
        self._threats: tuple[Any, ThreatLists] | None = None
        self._built_from = self._source_key()
        self._state_built = self.casework.stores.state.version()
        self.gateway = Gateway(self.build_snapshot())
        # The decision log: written by a child process when so configured (and the store is
        # one another process can open), else by a thread of this one.
        self.event_process: ProcessSink | None = (
            ProcessSink(self.url, fallback=self.stores.events.add_records)
            if settings.event_writer == "process" and not is_memory_database(self.url)
            else None
        )
        self.events: EventWriter[EventRecord] = EventWriter(
            self.event_process or self.stores.events.add_records,
            maxsize=settings.event_queue_size,
        )
        self.shadow: ShadowPolicy | None = None
        self._shadow_key: str | None = None
        self._refresh_shadow()
        self.shadow_log = ShadowLog(
            lambda: self.gateway.snapshot,
            self.stores.shadow.add_many,
            maxsize=settings.event_queue_size,
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._redis: Any = None
        self.redis_ok = settings.redis_url is None
        self.store_ok = True
        self.reloads = 0
        self.state_reloads = 0
        self.warmed = threading.Event()
        self.metrics = Metrics()
        self.metrics.set_revision(self.gateway.snapshot.revision)
        self.group_cache = TtlCache(ttl=5.0)
        self.key_cache = TtlCache(ttl=10.0)
        self.nonce_cache = TtlCache(ttl=900.0, maxsize=1_000_000)
        self.known_previews = TtlCache(ttl=3600.0, maxsize=100_000)
        self.previews = PreviewFetcher(
            allow_hosts=settings.preview_allow_hosts, link_check=self.listed_reason
        )

    # -- snapshot -----------------------------------------------------------------

    def live_policy(self) -> Policy:
        row = self.stores.policies.live()
        if row is None:
            return parse_policy(default_policy_path().read_bytes(), str(default_policy_path()))
        return parse_policy(row.content, f"policy:{row.revision}")

    def build_snapshot(self) -> Snapshot:
        policy = self.live_policy()
        registry = registry_from_documents([p.document for p in self.stores.platforms.all()])
        self._policy, self._registry = policy, registry
        inspector = Inspector(registry, self.psl)
        state = State(threats=self.threat_lists())
        return self.with_state(Snapshot(policy, Evaluator(policy), inspector, state))

    def with_state(self, base: Snapshot) -> Snapshot:
        """``base`` with the current blocks, overrides, credit scores and paused phases."""
        paused = self.casework.paused_phases()
        evaluator = (
            base.evaluator
            if dict(base.evaluator.paused) == paused
            else Evaluator(base.policy, paused)
        )
        platforms, domains = self.casework.credit_maps()
        state = replace(
            base.state,
            blocks=self.casework.block_index(),
            credit=platforms,
            domain_credit=domains,
            senders=self.accounts.sender_table(),
        )
        return Snapshot(base.policy, evaluator, base.inspector, state)

    def threat_lists(self) -> ThreatLists:
        """The stored threat lists, loaded again only when a list was imported or removed."""
        version = self.stores.threat_lists.version()
        cached = self._threats
        if cached is None or cached[0] != version:
            cached = self._threats = (version, self.stores.threat_lists.load())
        return cached[1]

    def listed_reason(self, url: str) -> str | None:
        """Why a preview must not visit ``url`` (it is on a threat list), or ``None``."""
        snapshot = self.gateway.snapshot
        facts = snapshot.inspector.inspect(url)
        listed = snapshot.state.threats.match(
            host=facts.host, canonical=facts.canonical, at=datetime.now(UTC)
        )
        if listed is None:
            return None
        return f"listed by {listed.list_id} as {listed.category}"

    def _source_key(self) -> tuple[Any, ...]:
        """What the snapshot was built from: live revision, stored platforms, threat lists."""
        revision = self.stores.policies.live_revision()
        platforms = tuple((p.id, p.updated_at) for p in self.stores.platforms.all())
        lists = self.stores.threat_lists.version()
        return (revision, platforms, lists)

    def reload(self, *, refresh_state: bool = False) -> bool:
        """Rebuild the snapshot when the live revision or the registry changed, or only its
        state when enforcement changed (or ``refresh_state``: scores recover with time)."""
        shadow_changed = self._refresh_shadow()
        key = self._source_key()
        version = self.casework.stores.state.version()
        if key != self._built_from:
            self.gateway.publish(self.build_snapshot())
            self._built_from = key
            self.reloads += 1
            log.info("serving policy revision %s", self.gateway.snapshot.revision)
        elif version != self._state_built or refresh_state:
            self.gateway.publish(self.with_state(self.gateway.snapshot))
        else:
            return shadow_changed
        self._state_built = version
        self.state_reloads += 1
        self.metrics.set_revision(self.gateway.snapshot.revision)
        return True

    def state_changed(self) -> None:
        """Casework changed what decisions see: rebuild here, tell the other replicas."""
        self.reload()
        self.notify()

    def refresh_registry(self) -> None:
        """Rebuild the snapshot after a registry change and tell the other replicas."""
        self.reload()
        self.notify()

    def refresh_lists(self) -> None:
        """Rebuild the snapshot after a threat-list change and tell the other replicas."""
        self.reload()
        self.notify()

    def publish(self, revision: str, by: str) -> None:
        """Make ``revision`` live here and tell the other replicas."""
        self.stores.policies.publish(revision, by)
        self.stores.audit.append(by, "policy.publish", revision, {})
        self.reload()
        self.notify()

    # -- shadow -----------------------------------------------------------------------

    def _refresh_shadow(self) -> bool:
        """Load the revision in shadow when it changed (here or on another replica)."""
        setting = self.stores.shadow.get()
        key = setting.revision if setting is not None else None
        if key == self._shadow_key:
            return False
        if setting is None:
            self.shadow = None
        else:
            row = self.stores.policies.get(setting.revision)
            if row is None:  # cannot happen: revisions are never deleted
                return False
            self.shadow = ShadowPolicy.of(parse_policy(row.content, f"policy:{row.revision}"))
            log.info("policy revision %s in shadow", setting.revision)
        self._shadow_key = key
        return True

    def start_shadow(self, revision: str, by: str) -> ShadowSetting:
        """Put a stored revision in shadow here and on every replica (LookupError if unknown)."""
        setting = self.stores.shadow.start(revision, by)
        self.stores.audit.append(by, "policy.shadow.start", revision, {})
        self.reload()
        self.notify()
        return setting

    def stop_shadow(self, by: str) -> ShadowSetting | None:
        """Stop the shadow everywhere; returns what was in shadow (None: nothing was)."""
        stopped = self.stores.shadow.stop()
        if stopped is not None:
            self.stores.audit.append(by, "policy.shadow.stop", stopped.revision, {})
            self.reload()
            self.notify()
        return stopped

    # -- request-path reads (cached) --------------------------------------------------

    def cached_read(self, cache: TtlCache, key: Any, read: Callable[[], Any]) -> Any:
        """``read()`` through ``cache``; while the store is unreachable, the last value read
        (however old) stands in, and only a value never read raises the store's error."""
        found, value = cache.get(key)
        if found:
            return value
        try:
            value = read()
        except STORE_ERRORS:
            self.store_ok = False
            found, value = cache.stale(key)
            if not found:
                raise
            return value
        cache.put(key, value)
        return value

    def authenticate(self, token: str) -> Any:
        """The key record for ``token`` (cached for seconds; revocation applies within 10 s,
        or once the store is back when it is unreachable)."""
        return self.cached_read(self.key_cache, token, lambda: self.stores.keys.authenticate(token))

    def group_setting(self, group_id: str) -> str | None:
        def read() -> str | None:
            row = self.stores.groups.get_group(group_id)
            return row.setting if row is not None else None

        return self.cached_read(self.group_cache, ("g", group_id), read)  # type: ignore[no-any-return]

    def member_opt_out(self, group_id: str, user_id: str) -> bool:
        def read() -> bool:
            row = self.stores.groups.get_member(group_id, user_id)
            return bool(row.opt_out) if row is not None else False

        return bool(self.cached_read(self.group_cache, ("m", group_id, user_id), read))

    def remember_preview(self, url: str, title: str | None, description: str | None) -> None:
        """Keep a fetched preview's text for this link's later decisions (an hour, here)."""
        facts = self.gateway.inspect(url)
        if facts.canonical is not None and (title or description):
            self.known_previews.put(facts.canonical, (title, description))

    def known_preview(self, url: str) -> tuple[str | None, str | None] | None:
        """The preview text fetched for this link, if this process fetched one lately."""
        facts = self.gateway.inspect(url)
        if facts.canonical is None:
            return None
        found, value = self.known_previews.get(facts.canonical)
        return value if found else None

    def claim_nonce(self, nonce_id: str, ttl: int = 900) -> bool:
        """True the first time ``nonce_id`` is seen (across replicas when Redis is configured)."""
        redis = self._redis
        if redis is not None:
            try:
                key = self.settings.redis_key(f"nonce:{nonce_id}")
                return bool(redis.set(key, 1, nx=True, ex=ttl))
            except Exception:
                self.redis_ok = False
        found, _ = self.nonce_cache.get(nonce_id)
        if found:
            return False
        self.nonce_cache.put(nonce_id, True)
        return True

    # -- replicas -------------------------------------------------------------------

    def notify(self) -> None:
        redis = self._redis
        if redis is None:
            return
        try:
            redis.publish(self.settings.redis_key(RELOAD_CHANNEL), self.gateway.snapshot.revision)
            self.redis_ok = True
        except Exception:
            self.redis_ok = False
            log.warning("could not notify replicas through Redis; they will poll")

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.settings.redis_key(RELOAD_CHANNEL))
                self.redis_ok = True
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None:
                        self._safe_reload()
                pubsub.close()
            except Exception:
                self.redis_ok = False
                self._stop.wait(1.0)

    def _poll(self) -> None:
        while not self._stop.wait(self.settings.reload_poll_seconds):
            self._safe_reload()

    def _maintain(self) -> None:
        """Rollout safety and band changes, and a state refresh as scores recover."""
        last = time.monotonic()
        while not self._stop.wait(self.settings.monitor_seconds):
            try:
                for line in self.casework.monitor():
                    log.warning("%s", line)
                if time.monotonic() - last >= self.settings.state_refresh_seconds:
                    self.reload(refresh_state=True)
                    last = time.monotonic()
            except Exception:
                log.exception("monitoring failed; will retry")

    def _safe_reload(self) -> None:
        try:
            self.reload()
            self.store_ok = True
        except Exception:
            self.store_ok = False
            log.exception("reload failed; serving the loaded snapshot")

    def start(self) -> None:
        """Start the event writer, the shadow log and the reload listeners."""
        self.events.start()
        self.shadow_log.start()
        if self.settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                self.settings.redis_url, socket_timeout=2, socket_connect_timeout=2
            )
            counters = redis.Redis.from_url(
                self.settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self.counting.shared = RedisCounter(counters, prefix=self.settings.redis_key("cnt:"))
            self._spawn(self._listen, "linkgate-reload-redis")
        self._spawn(self._poll, "linkgate-reload-poll")
        self._spawn(self._maintain, "linkgate-monitor")
        self._spawn(self._warm, "linkgate-warm")

    def _warm(self) -> None:
        """Load the content classifier (dictionary and model) before the first request needs
        it; ``/readyz`` answers 503 until this is done."""
        try:
            self.gateway.content_signals("预览", None)
        except Exception:
            log.exception("could not load the content classifier; it loads on first use")
        finally:
            # What is loaded by now (registry, suffix list, snapshot, classifier and its
            # dictionary: millions of objects) lives as long as the process. Freezing it
            # keeps the collector's full passes, which stop every request, off it: they
            # took 70-170 ms each, and now walk only what requests made since.
            gc.collect()
            gc.freeze()
            self.warmed.set()

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        self.events.close()
        if self.event_process is not None:
            self.event_process.close()
        self.shadow_log.close()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._redis is not None:
            self._redis.close()
        self.engine.dispose()

    def ping_store(self) -> bool:
        started = time.monotonic()
        try:
            self.stores.policies.live_revision()
            self.store_ok = True
        except Exception:
            self.store_ok = False
        log.debug("store ping %.1f ms", (time.monotonic() - started) * 1000)
        return self.store_ok


class TtlCache:
    """A small time-bounded cache for values read from the store on the request path."""

    def __init__(self, ttl: float, maxsize: int = 100_000) -> None:
        self._ttl = ttl
        self._maxsize = maxsize
        self._data: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> tuple[bool, Any]:
        hit = self._data.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def stale(self, key: Any) -> tuple[bool, Any]:
        """The last value put for ``key``, expired or not."""
        hit = self._data.get(key)
        return (False, None) if hit is None else (True, hit[1])

    def put(self, key: Any, value: Any) -> None:
        if len(self._data) >= self._maxsize:
            self._data.clear()
        self._data[key] = (time.monotonic() + self._ttl, value)

    def drop(self, key: Any) -> None:
        self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)


def decision_kwargs(runtime: Runtime, fields: dict[str, Any]) -> dict[str, Any]:
    """Gateway arguments for an API request: group setting and opt-out from the store."""
    group = fields.get("group")
    viewer = fields.get("viewer")
    setting = fields.get("group_setting")
    title, description = fields.get("title"), fields.get("description")
    if title is None and description is None and runtime.known_previews:
        known = runtime.known_preview(fields["url"])
        if known is not None:
            title, description = known
    opt_out = fields.get("viewer_opt_out") is True
    if group is not None and fields["channel"] == "group_chat":
        if setting is None:
            setting = runtime.group_setting(group)
        if viewer is not None and not opt_out:
            opt_out = runtime.member_opt_out(group, viewer)
    return {
        "channel": fields["channel"],
        "at": fields.get("at"),
        "sender": fields.get("sender"),
        "viewer": viewer,
        "group_setting": setting,
        "viewer_opt_out": opt_out,
        "title": title,
        "description": description,
        "content": (
            (ContentSignal(category, 1.0, "classified when the link was shared"),)
            if (category := fields.get("content_category"))
            else ()
        ),
    }
