"""A throwaway PostgreSQL server for the tests, started from the Debian binaries.

Works as root (initdb refuses root, so the server runs as the `postgres` user) and as a
normal user. Used when TEST_DATABASE_URL is not set.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass


class PostgresUnavailable(Exception):
    pass


def find_bin_dir() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: str
    base: str
    port: int

    @property
    def data(self) -> str:
        return os.path.join(self.base, "data")

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *cmd: str) -> None:
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        self._run(
            os.path.join(self.bin_dir, "initdb"), "-D", self.data, "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )
        self._run(
            os.path.join(self.bin_dir, "pg_ctl"), "start", "-w", "-D", self.data,
            "-l", os.path.join(self.base, "log"), "-o",
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        )

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bin_dir, "pg_ctl"), "stop", "-D", self.data, "-m", "immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_server() -> PostgresServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb) found; install the 'postgresql' package")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root needs runuser to start PostgreSQL as 'postgres'")
    base = tempfile.mkdtemp(prefix="lp-pgtest-")
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        try:
            shutil.chown(base, "postgres", "postgres")
        except LookupError:
            raise PostgresUnavailable("there is no 'postgres' user to run the server as") from None
    server = PostgresServer(bin_dir=bin_dir, base=base, port=_free_port())
    try:
        server.start()
    except PostgresUnavailable:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return server
