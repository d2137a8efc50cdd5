"""Authentication on the raw WSGI environ, so the site can refuse a request before it looks anything up.

Why at the WSGI level: the site must answer 401 before it resolves a dataset
name (a 404 for unknown names and a 401 for known ones would list the
datasets to anyone) and before it loads a dataset for a stranger.

``header`` authentication believes the user header only from a configured
proxy: a peer address inside ``CONFLICT_MAP_TRUSTED_PROXIES``, or, when
``CONFLICT_MAP_PROXY_SECRET`` is set, a request carrying that secret in
:data:`PROXY_SECRET_HEADER` (then the secret is required from every peer).
Forwarded-for headers are never read: a client can write them.
"""
from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from werkzeug.datastructures import Authorization

from dashboard.config import Config

#: The header a reverse proxy sends with ``CONFLICT_MAP_PROXY_SECRET`` (deploy/nginx/conflict-map.conf).
PROXY_SECRET_HEADER = "X-Conflict-Map-Proxy-Secret"
#: Longest user name believed from the proxy's header.
MAX_USER = 256


@lru_cache(maxsize=32)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _wsgi_header(environ: dict, name: str) -> str:
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))


def from_trusted_proxy(environ: dict, config: Config) -> bool:
    """Whether the request came through the configured proxy (by secret, else by peer address)."""
    if config.proxy_secret:
        sent = _wsgi_header(environ, PROXY_SECRET_HEADER)
        return hmac.compare_digest(sent.encode(), config.proxy_secret.encode())
    try:
        peer = ipaddress.ip_address(str(environ.get("REMOTE_ADDR", "")).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in _networks(config.trusted_proxies))


def refusal(environ: dict, config: Config) -> tuple[str, dict[str, str]] | None:
    """``(message, extra headers)`` for a 401, or None when the request may go on."""
    if config.auth == "basic":
        given = Authorization.from_header(_wsgi_header(environ, "Authorization") or None)
        ok = (given is not None and given.type == "basic"
              and hmac.compare_digest((given.username or "").encode(), (config.user or "").encode())
              and hmac.compare_digest((given.password or "").encode(), (config.password or "").encode()))
        if not ok:
            return "authentication required", {"WWW-Authenticate": 'Basic realm="conflict-map", charset="UTF-8"'}
    elif config.auth == "header":
        user = _wsgi_header(environ, config.auth_header).strip()
        if not user or len(user) > MAX_USER or not from_trusted_proxy(environ, config):
            return "authentication required (through the reverse proxy)", {}
    return None
