"""What one server process holds open while it serves: the services, the views, the idempotency keys and,
when configured, the OpenID provider's verifier."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from zwgk.connectors.config import Settings
from zwgk.connectors.idempotency import IdempotencyKeys
from zwgk.connectors.jobs import Jobs
from zwgk.connectors.oidc import OidcVerifier
from zwgk.connectors.services import Services
from zwgk.connectors.wiring import audit_log, services, views
from zwgk.projections.audit_log import MerkleLog
from zwgk.projections.runner import ProjectionRunner


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
            yield cls(settings, s, runner, merkle, keys, jobs, oidc)
