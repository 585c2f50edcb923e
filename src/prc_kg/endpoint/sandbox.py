"""The query process's sandbox: no IPv4/IPv6 sockets (seccomp), a cap on its address space, none of
the server's sockets, and a look at its own size. Called once in each forked query process, so a
SERVICE clause that got past the keyword check still cannot reach another host, and a runaway query
runs out of memory in its own process rather than the server's."""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import socket
import stat
import struct
import sys

_SECCOMP = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # audit arch, number of socket()


def deny_network() -> bool:
    """Forbid this process to create IPv4/IPv6 sockets (seccomp, Linux x86-64/arm64): SERVICE fails
    even if a query got past the keyword check. Pipes and Unix sockets still work. False if unsupported."""
    arch = _SECCOMP.get(platform.machine())
    if sys.platform != "linux" or arch is None:
        return False

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    ld, jeq, ret = 0x20, 0x15, 0x06
    program = b"".join([
        op(ld, 0, 0, 4), op(jeq, 0, 5, arch[0]),  # another architecture: allow
        op(ld, 0, 0, 0), op(jeq, 0, 3, arch[1]),  # not socket(): allow
        op(ld, 0, 0, 16), op(jeq, 2, 0, socket.AF_INET), op(jeq, 1, 0, socket.AF_INET6),
        op(ret, 0, 0, 0x7FFF0000),  # allow
        op(ret, 0, 0, 0x00050000 | 1),  # fail with EPERM
    ])

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program)
    prog = Program(len(program) // 8, ctypes.addressof(buffer))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
        return (libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) == 0
                and libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(prog), 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def limit_memory(extra_mb: int) -> None:
    """Cap the address space at what the (forked) process has now plus ``extra_mb``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            size = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + (extra_mb << 20)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, StopIteration, ValueError):
        pass


def close_inherited_sockets(keep: int) -> None:
    """Close the server's sockets this forked process inherited (the listening socket, clients'
    connections, other workers' pipes), so a client's connection ends when the server closes it."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def rss_bytes() -> int:
    """This process's resident size, so a query process that has grown can retire (0 if unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


__all__ = ["close_inherited_sockets", "deny_network", "limit_memory", "rss_bytes"]
