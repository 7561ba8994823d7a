"""A PostgreSQL primary and a streaming read replica of it, made by the test from the
machine's own PostgreSQL binaries (`initdb`, `pg_basebackup -R`, `pg_ctl`) on free
loopback ports, in a scratch directory removed afterwards.

The pair is its own: the machine's PostgreSQL server is not touched (its pg_hba.conf need
not allow replication). PostgreSQL refuses to run as root, so as root the servers run as
the `postgres` user (`runuser`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATABASE = "shutter"


def postgres_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with pg_basebackup, or pg_config's."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found else None


def can_run_postgres() -> bool:
    """PostgreSQL refuses root: as root, a `postgres` account and `runuser` are needed."""
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return shutil.which("runuser") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ReplicatedPostgres:
    bindir: Path
    root: Path
    primary_port: int
    replica_port: int
    run_as: str | None  # the user the servers run as (None: this one)

    @property
    def primary_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.primary_port}/{DATABASE}"

    @property
    def replica_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.replica_port}/{DATABASE}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd="/")

    def _pg_ctl(self, name: str, *args: str) -> None:
        directory = self.root / name
        self._run("pg_ctl", "-D", str(directory), "-l", str(self.root / f"{name}.log"), *args)

    def start(self, name: str) -> None:
        self._pg_ctl(name, "-w", "-t", "120", "start")

    def stop(self, name: str) -> None:
        self._pg_ctl(name, "-m", "immediate", "-w", "stop")

    def sql(self, port: int, query: str, database: str = DATABASE) -> str:
        done = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
            "-AtXc", query,
        )  # fmt: skip
        return done.stdout.strip()

    def create(self) -> None:
        self._run(
            "initdb", "-D", str(self.root / "primary"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.primary_port),
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "fsync": "off",  # a scratch cluster: durability is not what is tested
            "shared_buffers": "32MB",
        }
        with (self.root / "primary" / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.start("primary")
        self.sql(self.primary_port, f"CREATE DATABASE {DATABASE}", database="postgres")

    def replicate(self) -> None:
        """pg_basebackup of the primary (with -R: a standby that streams from it)."""
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.root / "replica"), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        with (self.root / "replica" / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self.start("replica")
        self.wait_for(self.streaming, "the replica streaming from the primary")

    def streaming(self) -> bool:
        state = self.sql(self.replica_port, "SELECT status FROM pg_stat_wal_receiver")
        return state == "streaming"

    def caught_up(self) -> bool:
        """The replica has replayed everything the primary has written so far."""
        written = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()")
        replayed = self.sql(
            self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"
        )
        return replayed == "t"

    def pause_replay(self) -> None:
        self.sql(self.replica_port, "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql(self.replica_port, "SELECT pg_wal_replay_resume()")

    @staticmethod
    def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():
            if time.monotonic() > deadline:
                raise RuntimeError(f"not within {timeout_s} s: {what}")
            time.sleep(0.05)

    def destroy(self) -> None:
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.stop(name)
        shutil.rmtree(self.root, ignore_errors=True)


def replicated_postgres(bindir: Path) -> ReplicatedPostgres:
    """Create and start the pair (the caller destroys it)."""
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="shutter-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        run_as = "postgres"
        account = pwd.getpwnam(run_as)
        os.chown(root, account.pw_uid, account.pw_gid)
    root.chmod(0o700)
    pair = ReplicatedPostgres(bindir, root, _free_port(), _free_port(), run_as)
    try:
        pair.create()
    except BaseException:
        pair.destroy()
        raise
    return pair
