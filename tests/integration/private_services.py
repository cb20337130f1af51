"""Private PostgreSQL and Redis instances for the fault tests.

The machine's shared services are used by everyone else: a test that stops
a service stops its own instance, on its own port and data directory.
"""

import glob
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.integration.conftest import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """`redis-server` on a free port, without persistence."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: _accepts(self.port), timeout=15), "redis did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster owned by the postgres user."""

    def __init__(self, folder: Path):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        assert bins, "PostgreSQL server binaries not found"
        self.bin = Path(bins[-1])
        self.port = free_port()
        self.folder = folder
        self.data = folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv, check=True):
        command = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own server
            command, check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _pg_ctl(self, action: str, *extra) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k /tmp -h 127.0.0.1",
            *extra,
            action,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def destroy(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "stop", "-m", "immediate", check=False
        )


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (what the outbox publishes with) at
    ``url`` for the duration."""
    from config.celery import app

    previous = app.conf.broker_url

    def switch(to):
        app.conf.broker_url = to
        app._pool = None  # noqa: SLF001 - Celery keeps the pool per URL
        app.amqp._producer_pool = None  # noqa: SLF001

    switch(url)
    try:
        yield app
    finally:
        switch(previous)


def wait_until(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return bool(predicate())
