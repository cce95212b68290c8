"""The sandbox practice seeded once per test run, then copied into every server that would seed it itself.

A ``medley serve`` (or ``medley sandbox``) on a fresh data dir migrates and seeds both emulators; the same
rows come out every time for a given day and code (the seeds are deterministic), so the suite builds them
once per run with the product's own start-up (``ClinikoSandbox.start``, ``AcuitySandbox.start``) and copies
the result: SQLite files into a server's data dir before it starts, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL. The server then finds its practice already there and, like any restarted server, does not seed
again. Seeding from scratch stays covered: each template is built that way, the sandbox tests seed fresh
databases (``tests/sandbox/test_seed.py``), and real first starts still run: ``tests/test_cli_store.py`` (a
``medley serve`` on SQLite in a new home), ``tests/hostile/test_nul_characters.py`` (on an empty PostgreSQL
database), and any ``running_medley(..., seed_from_template=False)``.

A template is named by a hash of the code that shapes the rows (the emulators' package and
``medley.scheduling``) and today's UTC date (the seed's ``today``), so an edit made during a run, or a run
that crosses midnight, gets a new one. Templates live for one run: the controller makes their folder
(``MEDLEY_TEST_SEEDED_DIR``, inherited by xdist's workers) and drops them at the end (``conftest.py``), with
those of any earlier run that was killed before it could.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import asyncpg
from sqlalchemy.engine import make_url

import medley
from tests.support import postgres

SEEDED_DIR_ENV = "MEDLEY_TEST_SEEDED_DIR"
_FOLDER_PREFIX = "medley-seeded-"
_PG_PREFIX = "medley_seeded"
_OWNER_FILE = "controller.pid"
_SOURCE = Path(medley.__file__).parent
_SEED_SOURCES = (_SOURCE / "sandbox", _SOURCE / "scheduling")
# The files a ``medley serve`` on SQLite keeps its emulators in (``Settings.resolved_sandbox_*``), by EHR code.
SQLITE_FILES = {"cliniko": "sandbox-cliniko.db", "acuity": "sandbox-acuity.db"}
_OFF = {"0", "false", "no", "off"}


def start_run() -> str:
    """The controller's part: a folder for this run's templates, named in the environment for the workers."""
    folder = tempfile.mkdtemp(prefix=_FOLDER_PREFIX)
    (Path(folder) / _OWNER_FILE).write_text(str(os.getpid()))
    os.environ[SEEDED_DIR_ENV] = folder
    return folder


def end_run(folder: str, postgres_admin: str | None) -> None:
    """Remove this run's templates (its folder and its PostgreSQL template databases), and those of any run
    that was stopped before it could remove its own (its controller is gone)."""
    shutil.rmtree(folder, ignore_errors=True)
    folders = Path(folder).parent
    for other in folders.glob(f"{_FOLDER_PREFIX}*"):
        if _run_is_over(other):
            shutil.rmtree(other, ignore_errors=True)
    if postgres_admin is not None:
        anyio.run(_drop_templates, postgres_admin, folders)


def _run_is_over(folder: Path) -> bool:
    """Whether the run that made ``folder`` has ended: the folder is gone, or its controller process is."""
    try:
        owner = int((folder / _OWNER_FILE).read_text())
    except (OSError, ValueError):
        return not folder.exists()
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def seed_key() -> str:
    """What the seeded rows depend on: the code that makes them and the day they are made for."""
    digest = hashlib.sha256(datetime.now(UTC).date().isoformat().encode())
    for root in _SEED_SOURCES:
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(_SOURCE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def copy_into_data_dir(command: str, env: Mapping[str, str], data_dir: Path) -> None:
    """Before ``medley <command>`` starts on ``data_dir``: put there the seeded SQLite files it would make
    itself (only those missing, and only for emulators on their default SQLite file)."""
    folder = _run_folder()
    if folder is None or "--reset" in command.split():
        return
    settings = {**os.environ, **env}
    target = Path(settings.get("MEDLEY_DATA_DIR", str(data_dir)))
    for ehr in _seeded_by(command, settings):
        destination = target / SQLITE_FILES[ehr]
        if not destination.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sqlite_template(folder) / SQLITE_FILES[ehr], destination)


def _seeded_by(command: str, settings: Mapping[str, str]) -> list[str]:
    """The emulators ``medley <command>`` seeds on their default SQLite files."""
    words = command.split()
    if words[0] == "serve":
        if settings.get("MEDLEY_SANDBOX", "true").strip().lower() in _OFF:
            return []
        ehrs = ["cliniko", "acuity"]
    elif words[0] == "sandbox":
        ehrs = [words[1] if len(words) > 1 and not words[1].startswith("-") else "cliniko"]
    else:
        return []
    if settings.get("MEDLEY_SANDBOX_DATABASE_URL"):
        return []  # both emulators follow it unless Acuity has its own, which the tests never set alone
    return [ehr for ehr in ehrs if not (ehr == "acuity" and settings.get("MEDLEY_SANDBOX_ACUITY_DATABASE_URL"))]


def _run_folder() -> Path | None:
    value = os.environ.get(SEEDED_DIR_ENV)
    return Path(value) if value else None


@contextmanager
def _building(folder: Path, name: str) -> Iterator[bool]:
    """Held while ``name`` is checked and built, so xdist's workers build each template once between them;
    yields whether it still has to be built."""
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = folder / f"{name}.done"
            yield not done.exists()
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_template(folder: Path) -> Path:
    template = folder / f"sqlite-{seed_key()}"
    with _building(folder, template.name) as missing:
        if missing:
            template.mkdir(exist_ok=True)
            urls = {ehr: f"sqlite+aiosqlite:///{template / name}" for ehr, name in SQLITE_FILES.items()}
            _run_async(_seed(urls))
            for name in SQLITE_FILES.values():
                # Closed cleanly, the write-ahead log is folded back into the file: the file is the whole copy.
                wal = template / f"{name}-wal"
                assert not wal.exists() or wal.stat().st_size == 0, wal
    return template


def postgres_template(admin: str) -> str | None:
    """The name of this run's PostgreSQL database holding the seeded emulators' tables, built if missing
    (None outside a run that made a templates folder: the server then seeds its own)."""
    folder = _run_folder()
    if folder is None:
        return None
    name = f"{_run_prefix(str(folder))}_{seed_key()}"
    with _building(folder, name) as missing:
        if missing:
            anyio.run(postgres.execute_admin, admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            anyio.run(postgres.execute_admin, admin, f'CREATE DATABASE "{name}"')
            url = make_url(admin).set(drivername="postgresql+asyncpg", database=name)
            shared = url.render_as_string(hide_password=False)
            _run_async(_seed({"cliniko": shared, "acuity": shared}))
    return name


async def _seed(urls: Mapping[str, str]) -> None:
    """Start and stop each emulator on its database: the product's own migrate-and-seed."""
    from medley.config import (
        DEFAULT_SANDBOX_ACUITY_API_KEY,
        DEFAULT_SANDBOX_ACUITY_USER_ID,
        DEFAULT_SANDBOX_API_KEY,
    )
    from medley.sandbox.acuity.server import AcuitySandbox
    from medley.sandbox.cliniko.server import ClinikoSandbox

    cliniko = ClinikoSandbox(database_url=urls["cliniko"], api_key=DEFAULT_SANDBOX_API_KEY)
    await cliniko.start()
    await cliniko.stop()
    acuity = AcuitySandbox(
        database_url=urls["acuity"], user_id=DEFAULT_SANDBOX_ACUITY_USER_ID, api_key=DEFAULT_SANDBOX_ACUITY_API_KEY
    )
    await acuity.start()
    await acuity.stop()


def _run_async(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to the end, even when the caller is inside an event loop (an async fixture)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _run_prefix(folder: str) -> str:
    return f"{_PG_PREFIX}_{_run_suffix(folder)}"


def _run_suffix(folder: str) -> str:
    return Path(folder).name.removeprefix(_FOLDER_PREFIX).lower()


async def _drop_templates(admin: str, folders: Path) -> None:
    """Drop every template database whose run (its folder in ``folders``) has ended."""
    connection = await asyncpg.connect(postgres.dsn(admin))
    try:
        prefix = _PG_PREFIX + "_"
        query = "SELECT datname FROM pg_database WHERE left(datname, $2) = $1"
        rows = await connection.fetch(query, prefix, len(prefix))
        for row in rows:
            name: str = row["datname"]
            run = name.removeprefix(prefix).rsplit("_", 1)[0]  # the key, after the last "_", never holds one
            if _run_is_over(folders / f"{_FOLDER_PREFIX}{run}"):
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
