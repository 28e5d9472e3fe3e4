"""A real PostgreSQL server for the tests: Debian's binaries, a temporary cluster, loopback only.

PostgreSQL refuses to run as root, so when the tests run as root (CI, this machine) ``initdb``
and ``pg_ctl`` run as the ``postgres`` user through ``runuser``; otherwise as the current user.
The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port (no Unix
socket in a shared place), needs a password (scram-sha-256), and is tuned for tests (no fsync:
a crash of the test machine may lose the throw-away cluster, nothing else).

``tests/conftest.py`` exposes one server per test session as the ``postgres_server`` fixture;
``PostgresServer.create_database`` gives each test module a database of its own.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "hipflex_test"
START_TIMEOUT_S = 60


def find_pg_bin() -> Path | None:
    """The newest installed server's bin dir (Debian keeps them off PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throw-away cluster; ``url(db)`` is a SQLAlchemy URL for psycopg 3."""

    bin_dir: Path
    root: Path
    port: int
    password: str
    as_postgres_user: bool
    _counter: int = field(default=0)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string (for psycopg directly)."""
        return (
            f"host=127.0.0.1 port={self.port} dbname={database} user={SUPERUSER} "
            f"password={self.password}"
        )

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE and friends)."""
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, prefix: str = "test", template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        clause = f" TEMPLATE {template}" if template else ""
        self.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def terminate_connections(self, database: str) -> int:
        """Kill every backend connected to ``database`` (the database going away)."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
        return len(rows)

    def _command(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres_user else []
        return [*prefix, *args]

    def stop(self) -> None:
        subprocess.run(
            self._command(
                str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"
            ),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb a cluster in a temporary directory and start it; raises RuntimeError on failure."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL is not installed (Debian package 'postgresql'): run "
            "scripts/ensure-system-packages or make test"
        )
    as_postgres_user = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="hipflex-pg-"))
    password = secrets.token_urlsafe(16)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if as_postgres_user:
        shutil.chown(root, user="postgres", group="postgres")
        shutil.chown(pwfile, user="postgres", group="postgres")
    root.chmod(0o700)
    port = _free_port()
    server = PostgresServer(bin_dir, root, port, password, as_postgres_user)
    init = subprocess.run(
        server._command(
            str(bin_dir / "initdb"),
            "-D",
            str(server.data_dir),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",  # a throw-away cluster: do not wait for the disk
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    options = " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-p {port}",
            "-c unix_socket_directories=''",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=200",
            "-c shared_buffers=64MB",
        ]
    )
    start = subprocess.run(
        server._command(
            str(bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(server.data_dir),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_S),
        ),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S + 30,
        check=False,
    )
    if start.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()}\n{log[-2000:]}")
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(server.dsn(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
