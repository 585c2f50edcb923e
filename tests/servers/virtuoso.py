"""A private OpenLink Virtuoso instance for tests (Debian package ``virtuoso-opensource``).

Never the system service: each instance gets a folder of its own with a generated ``virtuoso.ini``
(database, logs and bulk-load directory all inside it), listens on 127.0.0.1 only (one free port for
SQL/isql, one for HTTP), uses little memory, and is killed at ``stop()`` with bounded waits.

Set ``PRC_KG_VIRTUOSO_BIN`` (and optionally ``PRC_KG_VIRTUOSO_ISQL``) to use other binaries; a path
that does not exist makes ``find_binaries`` raise ``VirtuosoUnavailable``, which tests turn into a skip.

Known limitation (Virtuoso 7.2.5, Debian bookworm): a POST whose body is the query
(``Content-Type: application/sparql-query``, which is why ``prc_kg.store.backends.RemoteStore`` does not send one) is never
answered, the connection just hangs (openlink/virtuoso-opensource#842). A form-encoded POST
(``application/x-www-form-urlencoded``, ``query=…``) works, and so does ``default-graph-uri`` in the
URL's query string, which prc-kg's RemoteStore supports as it posts queries form-encoded.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Self

DEFAULT_PASSWORD = "dba"  # what a fresh Virtuoso database starts with; replaced at start()


class VirtuosoUnavailable(RuntimeError):
    """Virtuoso is not installed here or would not start; tests skip with this message."""


def _which(env: str, names: tuple[str, ...], near: Path | None = None) -> Path | None:
    given = os.environ.get(env)
    if given:
        return Path(given) if Path(given).is_file() and os.access(given, os.X_OK) else None
    for name in names:
        for candidate in ([near / name] if near else []) + [shutil.which(name), f"/usr/bin/{name}"]:
            if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
                return Path(candidate)
    return None


def _is_virtuoso_isql(path: Path) -> bool:
    """unixODBC also ships an ``isql``; only OpenLink's takes ``host:port user password exec=…``."""
    if path.name == "isql-vt":
        return True
    try:
        out = subprocess.run([str(path), "-?"], capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "OpenLink" in out.stdout + out.stderr


def find_binaries() -> tuple[Path, Path]:
    """The server (``virtuoso-t``) and its SQL client (``isql-vt``, or OpenLink's ``isql``)."""
    hint = "apt-get install virtuoso-opensource (.ci/run does)"
    server = _which("PRC_KG_VIRTUOSO_BIN", ("virtuoso-t",))
    if server is None:
        where = os.environ.get("PRC_KG_VIRTUOSO_BIN") or "PATH or /usr/bin"
        raise VirtuosoUnavailable(f"virtuoso-opensource not installed: no virtuoso-t in {where}; {hint}")
    isql = _which("PRC_KG_VIRTUOSO_ISQL", ("isql-vt", "isql"), near=server.parent)
    if isql is None or not _is_virtuoso_isql(isql):
        raise VirtuosoUnavailable(f"virtuoso-opensource not installed: found {server} but no isql-vt; {hint}")
    return server, isql


def free_port(taken: set[int] = frozenset()) -> int:
    """A TCP port free on 127.0.0.1 right now (another process could still take it before us)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port
    raise VirtuosoUnavailable("no free loopback port")


INI = """\
; generated for one test run: everything in this folder, loopback only, small memory
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 8
CheckpointInterval   = 0
O_DIRECT             = 0
CaseMode             = 2
AllowOSCalls         = 0
DirsAllowed          = ., {d}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
MaxQueryMem          = 256M
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {d}/www
MaxClientConnections = 8
ServerThreads        = 8
MaxKeepAlives        = 4
KeepAliveTimeout     = 10
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
Charset              = UTF-8

[SPARQL]
; no row cap and no "anytime" partial answers: a comparison needs complete results
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
"""


class Virtuoso:
    """One Virtuoso server in ``folder``; ``start()``, ``bulk_load()``, ``sparql_url()``, ``stop()``."""

    def __init__(self, folder: Path, server: Path | None = None, isql: Path | None = None):
        self.folder = Path(folder).resolve()
        if server is None or isql is None:
            server, isql = find_binaries()
        self.server, self.isql_bin = server, isql
        self.sql_port = free_port()
        self.http_port = free_port({self.sql_port})
        self.password = DEFAULT_PASSWORD
        self.proc: subprocess.Popen | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    @property
    def ini(self) -> Path:
        return self.folder / "virtuoso.ini"

    @property
    def log(self) -> Path:
        return self.folder / "virtuoso.log"

    def log_tail(self, lines: int = 15) -> str:
        texts = [p.read_text(errors="replace") for p in (self.log, self.folder / "stdout.log") if p.exists()]
        return "\n".join("\n".join(t.splitlines()[-lines:]) for t in texts if t.strip())

    def start(self, timeout: float = 60.0) -> Self:
        """Write the ini, start ``virtuoso-t +foreground`` and wait until SQL and HTTP both answer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "www").mkdir(exist_ok=True)
        self.ini.write_text(INI.format(d=self.folder, sql_port=self.sql_port, http_port=self.http_port))
        with open(self.folder / "stdout.log", "wb") as out:
            self.proc = subprocess.Popen([str(self.server), "+foreground", "+configfile", str(self.ini)],
                                         cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        atexit.register(self.stop)  # should the test process end without running its teardown
        try:
            self._wait_until_up(timeout)
            # The default dba/dba login is known to every local user: replace it first thing.
            new = secrets.token_hex(12)
            self.sql(f"USER_SET_PASSWORD('dba', '{new}');")
            self.password = new
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise VirtuosoUnavailable(f"virtuoso-t exited with code {self.proc.returncode} at start:\n"
                                          + self.log_tail())
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            if "Server online at" in log and self._http_ready():
                return
            if time.monotonic() > deadline:
                raise VirtuosoUnavailable(f"virtuoso-t did not come up within {timeout:.0f} s:\n"
                                          + self.log_tail())
            time.sleep(0.2)

    def _http_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.sparql_url() + "?query=ASK%7B%7D", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (Virtuoso then shuts down quickly), SIGKILL if it has not exited within ``timeout``."""
        proc, self.proc = self.proc, None
        atexit.unregister(self.stop)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def remove_database(self) -> None:
        """After ``stop()``: delete the database files (some 80 MB), keeping the ini and the logs."""
        if self.proc is None:
            for pattern in ("*.db", "*.trx", "*.pxa", "*.lck"):
                for path in self.folder.glob(pattern):
                    path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- SQL and loading -----------------------------------------------------------------------------

    def sql(self, statements: str, timeout: float = 120.0) -> str:
        """Run SQL through isql; raises RuntimeError when isql reports an error."""
        args = [str(self.isql_bin), f"127.0.0.1:{self.sql_port}", "dba", self.password,
                f"exec={statements}"]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"isql took more than {timeout:.0f} s for: {statements[:200]}") from exc
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed (exit {done.returncode}) on: {statements[:200]}\n"
                               f"{output[-2000:]}")
        return output

    def bulk_load(self, folder: Path, pattern: str, graph: str, timeout: float = 120.0) -> None:
        """Virtuoso's bulk loader: register the files, load them into ``graph``, checkpoint, check."""
        folder = Path(folder).resolve()
        if folder != self.folder and self.folder not in folder.parents:
            raise ValueError(f"{folder} is outside DirsAllowed ({self.folder})")
        for text in (str(folder), pattern, graph):
            if "'" in text:
                raise ValueError(f"quote in {text!r}")
        self.sql(f"ld_dir('{folder}', '{pattern}', '{graph}'); rdf_loader_run(); checkpoint;", timeout)
        out = self.sql(f"SELECT COUNT(*) FROM DB.DBA.load_list WHERE ll_file LIKE '{folder}/%' "
                       "AND (ll_state <> 2 OR ll_error IS NOT NULL);")
        failed = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
        if failed != ["0"]:
            raise RuntimeError(f"bulk load of {folder}/{pattern} left failed files:\n"
                               + self.sql("SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;"))

    # -- SPARQL --------------------------------------------------------------------------------------

    def sparql_url(self, default_graph: str | None = None) -> str:
        """The SPARQL endpoint; with ``default_graph``, as the protocol's ``default-graph-uri``."""
        url = f"http://127.0.0.1:{self.http_port}/sparql"
        if default_graph:
            url += "?" + urllib.parse.urlencode({"default-graph-uri": default_graph})
        return url
