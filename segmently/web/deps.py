"""Request-scoped dependencies: the DB unit of work and the app's shared services."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from segmently.db.engine import transaction
from segmently.settings import Settings


def _db(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.sessions) as session:
        yield session


# scope="function": commit before the response is sent, so a 2xx always means "stored".
DB = Annotated[Session, Depends(_db, scope="function")]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


def client_ip(request: Request) -> str:
    """The peer's address, or the forwarded client when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "0.0.0.0"  # noqa: S104
    networks = request.app.state.settings.trusted_proxy_networks
    if not networks:
        return peer
    try:
        peer_ip = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if not any(peer_ip in net for net in networks):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    # Walk from the right: the first hop that is not one of our proxies is the client.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        try:
            hop_ip = ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if not any(hop_ip in net for net in networks):
            return str(hop_ip)
    return peer
