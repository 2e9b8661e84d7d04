"""Servers a benchmark starts, owns and may restart: a PostgreSQL cluster and a Redis, each
in a temporary directory on a free port, stopped and removed afterwards. A benchmark never
stops or restarts a server it did not start (the machine's PostgreSQL on 5432 is CI's).

PostgreSQL's binaries are the machine's (/usr/lib/postgresql/<version>/bin); its server
refuses to run as root, so as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _as_postgres(command: list[str]) -> list[str]:
    return ["/usr/sbin/runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class OwnPostgreSQL:
    port: int
    data: Path
    bin: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, action: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                          str(self.data / "log"), "-o", f"-p {self.port} -k /tmp", action]),
            check=True, capture_output=True,
        )  # fmt: skip

    def restart(self) -> float:
        """Restart it; the moment (monotonic) it accepts connections again."""
        self._ctl("restart")
        while subprocess.run(  # noqa: S603
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        ).returncode:
            time.sleep(0.05)
        return time.monotonic()


@contextmanager
def own_postgresql() -> Iterator[OwnPostgreSQL | None]:
    """A PostgreSQL cluster of our own (None when PostgreSQL is not installed here)."""
    binaries = _pg_bin()
    if binaries is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="contactpoints-bench-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(  # noqa: S603
        _as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync"]),
        check=True, capture_output=True,
    )  # fmt: skip
    server = OwnPostgreSQL(free_port(), data, binaries)
    server._ctl("start")
    try:
        yield server
    finally:
        try:
            server._ctl("stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)


@dataclass
class OwnRedis:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1",
             "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("our redis-server did not start")

    def restart(self) -> float:
        """Stop it and start it again, empty; the moment it accepts connections again."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.start()
        return time.monotonic()


@contextmanager
def own_redis() -> Iterator[OwnRedis | None]:
    """A Redis of our own, keeping nothing on disk (None when redis-server is not here)."""
    if shutil.which("redis-server") is None:
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="contactpoints-bench-redis-"))
    server = OwnRedis(free_port(), directory)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.process.terminate()
            server.process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
