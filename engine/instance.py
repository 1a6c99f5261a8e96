"""The one DuckDB instance of a server process, its attached databases and its lock-down.

Every namespace database is a DuckDB database attached here under an internal alias, so a
consumer of a datashare reads the producer's live data inside the same MVCC snapshot with no
copy (ARCHITECTURE.md decision 1). Sessions each get their own cursor (a DuckDB connection with
its own transaction) from ``cursor()``. After start-up the instance is locked down: external
access off except the storage directories, and configuration locked, so that user SQL cannot
reach files, extensions or settings even if the front end lets something through. The
directories the engine may still open are the storage directories, the spill directory and the
configured COPY/UNLOAD directories (``[server] copy_directories``), nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.abc
import importlib.util
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import duckdb

from catalog.errors import DuplicateDatabase, InvalidCatalogName
from catalog.store import SYSTEM_ALIAS
from engine import (
    function_macros,
    hash_functions,
    macros,
    number_format,
    soundex,
    table_metadata,
    time_zones,
)
from engine.storage import (
    INTERNAL_PREFIX,
    Storage,
    database_alias,
    quote_ident,
    quote_literal,
)

T = TypeVar("T")

# Namespace and database names as the configuration and CREATE DATABASE allow them; anything
# else (a path, a dot) never becomes a file name.
_PLAIN_NAME = re.compile(r"^[a-z0-9_$-]{1,127}$")


# Settings fixed for every session before the configuration is locked. Redshift semantics:
# integer division truncates. NULL ordering keeps DuckDB's default (NULLS LAST): sqlglot already
# writes Redshift's DESC NULLS FIRST explicitly and leaves an explicit NULLS LAST implicit, so a
# different engine default would turn DESC NULLS LAST into NULLS FIRST.
_ENGINE_SETTINGS = {
    "TimeZone": "UTC",
    "integer_division": "true",
    "preserve_insertion_order": "true",
    # UUID, JSON and TIMETZ keep their types in Arrow, so codecs describe and encode alike.
    "arrow_lossless_conversion": "true",
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    # The sandbox: no extension from outside DuckDB's own signed builds, no secrets kept on
    # disk, and no replacement scans of Python variables (a relation name that matched a
    # variable of the server's own code would read it).
    "allow_community_extensions": "false",
    "allow_unsigned_extensions": "false",
    "allow_persistent_secrets": "false",
    "python_enable_replacements": "false",
}


class _AbsentModule(importlib.abc.MetaPathFinder):
    """An import finder that answers "not installed" for one module without a search.

    DuckDB's Python binding imports pandas twice for every parameter value it converts (to
    recognise pandas' own scalars), and a failed import searches every ``sys.path`` entry again
    each time: about 100-200 us of a prepared point query's execute, measured on this machine.
    This finder, first on ``sys.meta_path``, raises the same ModuleNotFoundError at once. (A
    ``None`` in ``sys.modules`` would not do: Cython modules such as pyarrow's pandas shim take
    it for the module.)
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        """Refuse ``name`` (and its submodules); leave every other import to the next finder."""
        if fullname == self.name or fullname.startswith(self.name + "."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def _skip_absent_pandas() -> None:
    """Install ``_AbsentModule("pandas")`` once, when pandas is not installed."""
    if any(isinstance(f, _AbsentModule) for f in sys.meta_path):
        return
    if "pandas" not in sys.modules and importlib.util.find_spec("pandas") is None:
        sys.meta_path.insert(0, _AbsentModule("pandas"))


@functools.cache
def setting_names() -> frozenset[str]:
    """Every DuckDB setting's name and alias, lower case: SET of these is the engine's."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT name, aliases FROM duckdb_settings()").fetchall()
    return frozenset(n.lower() for name, aliases in rows for n in (name, *(aliases or ())))


@functools.cache
def function_names() -> frozenset[str]:
    """Every DuckDB built-in function's name, lower case: any other name a statement calls
    is a SQL UDF's (CREATE FUNCTION refuses built-in names)."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    return frozenset(name.lower() for (name,) in rows)


# How much less CPU priority (nice) the threads running long statements get: weight 110
# against 1024 at nice 0, so a short statement's thread gets the cores first when both run.
LONG_STATEMENT_NICENESS = 10


def _lower_priority() -> None:
    # On Linux a thread is a task: PRIO_PROCESS with its native id renices only this thread.
    # Raising one's own niceness needs no privilege; a platform without it keeps the default.
    # Relative to the process's own niceness (a server started under nice stays below it).
    with contextlib.suppress(AttributeError, OSError):
        base = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       min(base + LONG_STATEMENT_NICENESS, 19))


class Engine:
    """The DuckDB instance plus the worker threads that run every call into it."""

    def __init__(
        self,
        data_dir: Path,
        storage: Storage,
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
        max_workers: int = 128,
    ) -> None:
        self.data_dir = data_dir
        self.storage = storage
        _skip_absent_pandas()
        self._con = duckdb.connect(":memory:")
        # Internal alias -> the (namespace, database) attached under it.
        self._owners: dict[str, tuple[str, str]] = {}
        self._attach_lock = threading.Lock()
        # DuckDB releases the GIL while it runs, so a thread per running statement lets the
        # event loop keep serving other connections. Slots (engine/admission.py) bound how many
        # statements of each workgroup run at once; this bound only caps the threads.
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="duckdb")
        # Statements that a workgroup's short-query lane leaves out (predicted long) run here,
        # at a lower CPU priority: DuckDB has no per-statement priority, and on a few cores a
        # short statement would otherwise share them evenly with every long one (Redshift's
        # SQA gives short queries resources of their own). The niceness cannot be lowered
        # again without privilege, hence threads of their own.
        self.long_executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="duckdb-long",
            initializer=_lower_priority)
        spill = data_dir / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        settings = dict(_ENGINE_SETTINGS)
        settings["temp_directory"] = str(spill)
        settings["threads"] = str(threads or os.cpu_count() or 2)
        if memory_limit:
            settings["memory_limit"] = memory_limit
        for name, value in settings.items():
            # GLOBAL: sessions' cursors are new connections and must inherit every setting.
            self._con.execute(f"SET GLOBAL {name} = {quote_literal(value)}")
        self._con.execute(
            f"ATTACH IF NOT EXISTS {quote_literal(str(data_dir / 'system.duckdb'))} "
            f"AS {quote_ident(SYSTEM_ALIAS)}"
        )
        macros.install(self._con)
        function_macros.install(self._con)
        soundex.install(self._con)
        hash_functions.install(self._con)
        number_format.install(self._con)
        time_zones.install(self._con)

    def system_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the system catalog (never handed to a client session)."""
        return self._con.cursor()

    def attach(self, namespace: str, database: str) -> str:
        """Attach a namespace database (creating its storage if new); returns its alias.

        Names become file names and aliases, so only plain ones are taken. Two databases whose
        names map onto one internal alias (namespace ``abc-``'s ``dev`` and ``abc``'s ``_dev``
        are both ``__ds_abc___dev``) would share one attached file across namespaces, so the
        second is refused.
        """
        for name in (namespace, database):
            # The internal prefix too: user SQL could not name such a database.
            if not _PLAIN_NAME.match(name) or name.startswith(INTERNAL_PREFIX):
                raise InvalidCatalogName(f'invalid database name "{name}"')
        alias = database_alias(namespace, database)
        with self._attach_lock:
            owner = self._owners.get(alias)
            if owner is not None and owner != (namespace, database):
                raise DuplicateDatabase(
                    f'database "{database}" cannot be created: its name is too close to that '
                    "of another database on this server"
                )
            attached = self.storage.attach(self._con, namespace, database)
            table_metadata.ensure(self._con, attached)
            self._owners[attached] = (namespace, database)
        return attached

    def drop(self, namespace: str, database: str) -> None:
        """Detach a database and delete its storage."""
        with self._attach_lock:
            self.storage.detach_and_remove(self._con, namespace, database)
            self._owners.pop(database_alias(namespace, database), None)

    def register_function(self, name: str, fn: Callable[..., object],
                          parameters: Sequence[str], returns: str) -> None:
        """Make a Python function callable from SQL in every connection of the instance.

        Such functions are the server's (their names carry the internal prefix, which user SQL
        cannot name); to fail with a PostgreSQL error they raise ``ValueError("<SQLSTATE>
        <message>")``, which ``duckdb_errors.translate`` turns back into that error.
        """
        assert name.startswith(INTERNAL_PREFIX)
        self._con.create_function(name, fn, list(parameters), returns,  # type: ignore[arg-type]
                                  null_handling="special", side_effects=True)

    def lock_down(self, copy_directories: Sequence[Path] = ()) -> None:
        """Confine DuckDB to the storage directories (and the directories superusers COPY from
        and UNLOAD to) and freeze its configuration.

        The order matters: allowed_directories must be set while external access is still on.
        """
        dirs = [
            *self.storage.allowed_directories(),
            str(self.data_dir / "spill"),
            *(str(d) for d in copy_directories),
        ]
        self._con.execute(
            "SET allowed_directories = [" + ", ".join(quote_literal(d) for d in dirs) + "]"
        )
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new DuckDB connection on the shared instance, for one session."""
        return self._con.cursor()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking DuckDB call on a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def close(self) -> None:
        """Checkpoint and close the instance; waits for running calls to finish."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.long_executor.shutdown(wait=True, cancel_futures=True)
        self._con.close()
