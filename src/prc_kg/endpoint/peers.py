"""Who is on the other end of a connection, for per-client limits.

On a shared machine every local user reaches the endpoint from 127.0.0.1, so the address alone
cannot keep one user from taking every connection. For loopback peers on Linux the kernel knows the
user owning the client's socket: asked through sock_diag netlink for that one socket (a hash lookup
in the kernel), or else found in /proc/net/tcp{,6} (which the kernel writes out whole, a few ms per
thousand sockets). Elsewhere, or when both fail, the peer is its address.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
import threading
import time
from pathlib import Path

TABLES = {socket.AF_INET: Path("/proc/net/tcp"), socket.AF_INET6: Path("/proc/net/tcp6")}

# linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port id
_REQUEST = struct.Struct("=BBBBI")  # inet_diag_req_v2: family, protocol, extensions, pad, states
_SOCKID = struct.Struct(">HH16s16s")  # inet_diag_sockid: ports and addresses in network order
_TAIL = struct.Struct("=III")  # interface, cookie (no cookie: all ones)
_UID_OFFSET = _HEADER.size + 4 + _SOCKID.size + _TAIL.size + 12  # inet_diag_msg: expires, rqueue, wqueue, uid


def _packed(host: str) -> bytes:
    host = host.split("%", 1)[0]
    return socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host).ljust(16, b"\0")


_NETLINK = threading.local()  # each thread's netlink socket, kept: the server asks once per connection


def _ask_kernel(message: bytes, sequence: int) -> bytes | None:
    """Send a sock_diag request on this thread's netlink socket; its reply (by sequence number) or None."""
    nl = getattr(_NETLINK, "socket", None)
    deadline = time.monotonic() + 1.0  # the accepting thread waits at most this long
    try:
        if nl is None:
            nl = _NETLINK.socket = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
        nl.settimeout(1.0)
        nl.sendto(message, (0, 0))
        for _ in range(8):  # a reply to an earlier request that timed out may come first
            reply = nl.recv(8192)
            if len(reply) >= _HEADER.size and _HEADER.unpack_from(reply)[3] == sequence:
                return reply
            nl.settimeout(max(0.001, deadline - time.monotonic()))
    except OSError:
        pass
    if nl is not None:  # start afresh next time
        nl.close()
        _NETLINK.socket = None
    return None


def netlink_uid(family: int, client: tuple, server: tuple) -> int | None:
    """The uid owning the client end of a TCP connection, from the kernel's socket diagnostics."""
    if not hasattr(socket, "AF_NETLINK"):
        return None
    body = (_REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
            + _SOCKID.pack(client[1], server[1], _packed(client[0]), _packed(server[0]))
            + _TAIL.pack(0, 0xFFFFFFFF, 0xFFFFFFFF))
    sequence = _NETLINK.sequence = (getattr(_NETLINK, "sequence", 0) + 1) & 0xFFFFFFFF
    message = _HEADER.pack(_HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, sequence, 0) + body
    reply = _ask_kernel(message, sequence)
    if reply is None or _HEADER.unpack_from(reply)[1] == NLMSG_ERROR or len(reply) < _UID_OFFSET + 4:
        return None
    return struct.unpack_from("=I", reply, _UID_OFFSET)[0]


def _kernel_address(host: str, port: int) -> str:
    """An address as /proc/net/tcp{,6} prints it: each 32-bit word of the address in host byte
    order, in hex, then the port in hex."""
    packed = ipaddress.ip_address(host.split("%", 1)[0]).packed
    words = [packed[i:i + 4] for i in range(0, len(packed), 4)]
    text = "".join(int.from_bytes(w, "big").to_bytes(4, sys.byteorder).hex().upper() for w in words)
    return f"{text}:{port:04X}"


def table_uid(family: int, client: tuple, server: tuple, table: Path | None = None) -> int | None:
    """The same uid read from the /proc socket table, where netlink is not allowed."""
    path = table or TABLES.get(family)
    if path is None:
        return None
    wanted = f" {_kernel_address(client[0], client[1])} {_kernel_address(server[0], server[1])} "
    try:
        text = path.read_text(encoding="ascii")
        at = text.find(wanted)
        if at < 0:
            return None
        return int(text[text.rfind("\n", 0, at) + 1: text.find("\n", at)].split()[7])
    except (OSError, ValueError, IndexError):
        return None


def peer_of(sock: socket.socket, client_address: tuple) -> str:
    """A key for per-client limits: "uid N" for a local user the kernel names, else the client's
    address."""
    host = client_address[0]
    if host.startswith("127.") or host == "::1":  # the usual loopback peers, without parsing the address
        loopback = True
    else:
        try:
            loopback = ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
        except ValueError:
            return host
    if loopback:
        try:
            server = sock.getsockname()
        except OSError:
            return host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        uid = netlink_uid(family, client_address, server)
        if uid is None:
            uid = table_uid(family, client_address, server)
        if uid is not None:
            return f"uid {uid}"
    return host


__all__ = ["netlink_uid", "peer_of", "table_uid"]
