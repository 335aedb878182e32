"""A throwaway PostgreSQL server for the tests, started from the Debian binaries.

Works as root (initdb refuses root, so the server runs as the `postgres` user) and as a
normal user. Used when TEST_DATABASE_URL is not set. One server serves the whole run: the
first process of the run to need it (a pytest-xdist worker, or pytest itself without
workers) starts it under a file lock in the run's folder and leaves a note there saying
where it is; the others read the note; the process that made the folder stops it at the
end (`shared_server`, `stop_shared_server`). Each process makes its own databases on it.
"""

import fcntl
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path


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

    def start(self, max_connections: int = 200) -> None:
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):  # a kept data directory is reused
            self._initdb()
        self._run(
            os.path.join(self.bin_dir, "pg_ctl"),
            "start",
            "-w",
            "-D",
            self.data,
            "-l",
            os.path.join(self.base, "log"),
            "-o",
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}",
        )

    def _initdb(self) -> None:
        self._run(
            os.path.join(self.bin_dir, "initdb"),
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def stop(self, keep: bool = False) -> None:
        """Stop the server and delete its folder; with `keep`, shut it down cleanly and
        keep the folder for the next start (a benchmark's data, bench/pages.py)."""
        try:
            self._run(
                os.path.join(self.bin_dir, "pg_ctl"), "stop", "-D", self.data, "-m", "fast" if keep else "immediate"
            )
        finally:
            if not keep:
                shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> str:
        return create_database(self.url("postgres"), name)


def create_database(url: str, name: str) -> str:
    """A new, empty database called `name` on the server of the database at `url` (one of
    that name is dropped first); returns its URL."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def shared_server(run_folder: Path, max_connections: int) -> PostgresServer:
    """The run's one server, started by the first process to ask for it; the others wait
    for it on the lock and read where it is. A failure to start is noted too, so that the
    other processes report it at once instead of each trying again."""
    note = run_folder / "postgres.json"
    with open(run_folder / "postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if note.exists():
            found = json.loads(note.read_text())
            if "error" in found:
                raise PostgresUnavailable(found["error"])
            return PostgresServer(**found)
        try:
            server = start_server(max_connections)
        except PostgresUnavailable as error:
            note.write_text(json.dumps({"error": str(error)}))
            raise
        note.write_text(json.dumps(asdict(server)))
        return server


def stop_shared_server(run_folder: Path) -> None:
    """Stop the run's server, if a process started one."""
    note = run_folder / "postgres.json"
    if note.exists():
        found = json.loads(note.read_text())
        if "error" not in found:
            PostgresServer(**found).stop()


def start_server(max_connections: int = 200, base: Path | None = None) -> PostgresServer:
    """A server in a new temporary folder, or in `base` (made if need be), where a data
    directory left by an earlier start is used again."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb) found; install the 'postgresql' package")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root needs runuser to start PostgreSQL as 'postgres'")
    temporary = base is None
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="lp-pgtest-"))
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        try:
            shutil.chown(base, "postgres", "postgres")
        except LookupError:
            raise PostgresUnavailable("there is no 'postgres' user to run the server as") from None
    server = PostgresServer(bin_dir=bin_dir, base=str(base), port=_free_port())
    try:
        server.start(max_connections)
    except PostgresUnavailable:
        if temporary:
            shutil.rmtree(base, ignore_errors=True)
        raise
    return server
