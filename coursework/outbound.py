"""Addresses this server calls on an organisation's behalf: its LRS, its identity
provider, its LMS. Whoever manages an organisation types them in, so one rule for them all
keeps a manager from aiming the server at its own network: a host that resolves to a
loopback, private, link-local or reserved address is refused unless ALLOW_PRIVATE_NETWORK
says the deployment wants that (development and tests do; production does not by default).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

from coursework.i18n import _


def private_address_problem(url: str) -> str | None:
    """Why the server will not call `url`, or None when it may."""
    if current_app.config.get("ALLOW_PRIVATE_NETWORK"):
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return _("Could not find the host %(host)s.", host=host)
    for *_rest, address in found:
        if not ipaddress.ip_address(address[0].split("%", 1)[0]).is_global:
            return _(
                "The host %(host)s is on a private network address, which this server does not "
                "call: use its public address.",
                host=host,
            )
    return None
