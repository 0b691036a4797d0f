"""What one server process holds open while it serves: the services, the views, the idempotency keys and,
when configured, the OpenID provider's verifier."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from zwgk.connectors.config import Settings
from zwgk.connectors.idempotency import IdempotencyKeys
from zwgk.connectors.jobs import Jobs
from zwgk.connectors.oidc import OidcVerifier
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import audit_log, services, take_into_log, views
from zwgk.projections.audit_log import MerkleLog
from zwgk.projections.runner import ProjectionRunner

log = logging.getLogger("zwgk.api")
LOG_EVERY = 10.0  # seconds between two foldings of new events into the audit log


@dataclass
class Runtime:
    settings: Settings
    services: Services
    views: ProjectionRunner
    merkle: MerkleLog
    idempotency: IdempotencyKeys
    jobs: Jobs
    oidc: OidcVerifier | None = None
    # The audit log is folded by one request at a time in a process (others wait, then find it current).
    audit_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    @contextmanager
    def open(cls, settings: Settings) -> Iterator[Runtime]:
        with ExitStack() as stack:
            s = stack.enter_context(services(settings))
            runner = stack.enter_context(views(settings, s))
            merkle = stack.enter_context(audit_log(settings))
            keys = IdempotencyKeys(settings.views_url)
            stack.callback(keys.close)
            jobs = Jobs(settings.views_url)
            stack.callback(jobs.close)
            oidc = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_role_claim,
                                settings.oidc_unit_claim) if settings.oidc_issuer else None
            runtime = cls(settings, s, runner, merkle, keys, jobs, oidc)
            stop = threading.Event()
            keeper = threading.Thread(target=runtime.keep_log_current, args=(stop,), name="audit-log", daemon=True)
            keeper.start()
            stack.callback(keeper.join)
            stack.callback(stop.set)
            yield runtime

    def keep_log_current(self, stop: threading.Event) -> None:
        """Requests record events without waiting for the audit log: it takes them in every few seconds, well within
        ZWGK_AUDIT_LOG_GRACE, even when no one asks for an audit answer (which signs a checkpoint when due)."""
        while not stop.wait(LOG_EVERY):
            try:
                with self.audit_lock:
                    take_into_log(self.services, self.merkle)
            except Exception:  # noqa: BLE001 - a store that fails now is tried again next time
                log.exception("audit log not brought up to date")
