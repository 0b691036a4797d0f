"""Who is calling: an access token, a sign-in session (bearer or the console's cookie) or, with an
OpenID provider configured, the provider's signed JWT; the actor is never taken from the body."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from zwgk.connectors.accounts import Caller, Unauthenticated, actor_of_jwt, actor_of_token
from zwgk.connectors.api.runtime import Runtime
from zwgk.domain.actors import Actor

SESSION_COOKIE = "zwgk_session"
ROLE_HEADER = "Zwgk-Role"
bearer = HTTPBearer(auto_error=False, description="zwgk access token (zwgk tokens create), sign-in session, or the OpenID provider's JWT")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def runtime(request: Request) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found


async def _runtime(request: Request) -> Runtime:
    """As a dependency, on the event loop: a plain function would be handed to a worker thread and back."""
    return runtime(request)


def caller(request: Request) -> Caller:
    return Caller(getattr(request.state, "request_id", ""), request.client.host if request.client else "")


def signed_in(request: Request, credentials: Credentials) -> Actor:
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise Unauthenticated("请先登录。", "no credentials")
    rt = runtime(request)
    role = request.headers.get(ROLE_HEADER) or None
    if rt.oidc and token.count(".") == 2:  # a JWT; zwgk's own tokens and sessions have no dots
        actor = actor_of_jwt(rt.services, rt.oidc, token, caller(request))
    else:
        actor = actor_of_token(rt.services, token, role, caller(request))
    request.state.actor = actor
    return actor


def signed_in_if_any(request: Request, credentials: Credentials) -> Actor | None:
    """For what the public may read too: no credentials is the public; credentials given must hold."""
    if not (credentials or request.cookies.get(SESSION_COOKIE)):
        return None
    return signed_in(request, credentials)


SignedIn = Annotated[Actor, Depends(signed_in)]
Anyone = Annotated[Actor | None, Depends(signed_in_if_any)]
RuntimeDep = Annotated[Runtime, Depends(_runtime)]
