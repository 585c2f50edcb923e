"""Which addresses the endpoint may bind, and which `Host` headers it answers.

A web page can point a name it controls at 127.0.0.1 (DNS rebinding) and then read, as its own
origin, whatever a server on loopback answers. The browser still sends the page's name in `Host`,
so the endpoint answers only the names it is bound to: on loopback, localhost, 127.0.0.1, [::1] and
the bound address, each with the port; with --allow-remote, the bound address and the names given
with --allowed-host. An address written as digits cannot be rebound, so a server bound to every
interface (0.0.0.0, ::) also answers any IP address with its port."""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """localhost, the whole 127.0.0.0/8 and ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def family_of(host: str) -> int:
    """The socket family to bind ``host`` with: IPv6 for an IPv6 address, else IPv4."""
    try:
        version = ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).version
    except ValueError:
        return socket.AF_INET
    return socket.AF_INET6 if version == 6 else socket.AF_INET


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _has_port(name: str) -> bool:
    """`name:8080` or `[::1]:8080`, not a bare IPv6 address."""
    if name.startswith("["):
        return "]:" in name
    return name.count(":") == 1 and name.rsplit(":", 1)[1].isdigit()


class HostCheck:
    """The `Host` values a server bound to ``host``:``port`` answers."""

    def __init__(self, host: str, port: int, allowed: list[str] | tuple[str, ...] = ()):
        self.port, self.wildcard = port, host.strip("[]") in WILDCARDS
        names = [host.strip("[]")] + list(LOOPBACK_NAMES if is_loopback(host) or self.wildcard else ())
        self.allowed = {f"{_bracketed(n)}:{port}".lower() for n in names if n}
        if port == 80:  # a browser leaves out the default port
            self.allowed |= {_bracketed(n).lower() for n in names if n}
        for name in allowed:
            name = name.strip().lower()
            if _has_port(name):
                self.allowed.add(name)  # given with its port: exactly that
            else:  # the server's port, or none (a proxy in front on 80 or 443)
                self.allowed |= {f"{_bracketed(name)}:{port}", _bracketed(name)}

    def accepts(self, value: str | None) -> bool:
        """True for a listed name; a request without `Host` (HTTP/1.0, no browser) is answered."""
        if value is None:
            return True
        value = value.strip().lower()
        if value in self.allowed:
            return True
        if self.wildcard:
            host, _, port = value.rpartition(":")
            try:
                ipaddress.ip_address(host.strip("[]"))
                return port == str(self.port)
            except ValueError:
                return False
        return False

    def refusal(self, value: str) -> str:
        names = ", ".join(sorted(self.allowed))
        return (f"refused: Host {value!r} is not a name of this server (it answers {names}"
                f"{' and any IP address with its port' if self.wildcard else ''}); a page that points its own name "
                "at this address cannot read the graph. Give other names with --allowed-host NAME\n")


__all__ = ["HostCheck", "family_of", "is_loopback"]
