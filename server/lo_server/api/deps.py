"""Shared request plumbing: the server context and the token check."""

from __future__ import annotations

import secrets

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lo_server.context import Context
from lo_server.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="the server's token (lo-server prints it)")


class Unauthorized(ApiError):
    status = 401


def get_ctx(request: Request) -> Context:
    return request.app.state.ctx


def _check(request: Request, token: str | None) -> None:
    settings = request.app.state.settings
    if settings.no_auth:
        return
    if not token:
        raise Unauthorized("missing token: send the header 'Authorization: Bearer <token>'")
    if not secrets.compare_digest(token.encode(), settings.token.encode()):
        raise Unauthorized("wrong token")


def require_token(request: Request,
                  credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Every API route: the token in the Authorization header."""
    _check(request, credentials.credentials if credentials else None)


def require_token_or_query(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    token: str | None = Query(None, description="the token, for clients that cannot send "
                                                "headers (EventSource, a browser tab)"),
) -> None:
    """Routes a browser opens directly (the event stream, the docs) also take ?token=."""
    _check(request, credentials.credentials if credentials else token)
