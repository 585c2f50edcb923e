"""Who is on the other end of a connection, for per-client limits.

On a shared machine every local user reaches the endpoint from 127.0.0.1, so the address alone
cannot keep one user from taking every connection. For loopback peers on Linux the kernel's socket
table (/proc/net/tcp, /proc/net/tcp6) names the user owning the client's socket; elsewhere, or when
the lookup fails, the peer is its address.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

TABLES = {socket.AF_INET: Path("/proc/net/tcp"), socket.AF_INET6: Path("/proc/net/tcp6")}


def _kernel_address(host: str, port: int) -> str:
    """An address as /proc/net/tcp{,6} prints it: each 32-bit word of the address in host byte
    order, in hex, then the port in hex."""
    packed = ipaddress.ip_address(host.split("%", 1)[0]).packed
    words = [packed[i:i + 4] for i in range(0, len(packed), 4)]
    text = "".join(int.from_bytes(w, "big").to_bytes(4, sys.byteorder).hex().upper() for w in words)
    return f"{text}:{port:04X}"


def loopback_uid(family: int, client: tuple, server: tuple, table: Path | None = None) -> int | None:
    """The uid owning the client end of a loopback TCP connection, or None if it cannot be told."""
    path = table or TABLES.get(family)
    if path is None:
        return None
    local, remote = _kernel_address(client[0], client[1]), _kernel_address(server[0], server[1])
    try:
        with open(path, encoding="ascii") as fh:
            next(fh, None)
            for line in fh:
                fields = line.split()
                if len(fields) > 7 and fields[1] == local and fields[2] == remote:
                    return int(fields[7])
    except (OSError, ValueError):
        return None
    return None


def peer_of(sock: socket.socket, client_address: tuple) -> str:
    """A key for per-client limits: "uid N" for a local user found in the socket table, else the
    client's address."""
    host = client_address[0]
    try:
        loopback = ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return host
    if loopback:
        try:
            uid = loopback_uid(sock.family, client_address, sock.getsockname())
        except OSError:
            uid = None
        if uid is not None:
            return f"uid {uid}"
    return host


__all__ = ["loopback_uid", "peer_of"]
