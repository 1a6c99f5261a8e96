"""The catalog's records: namespaces, databases, workgroups, users and query records.

Plain frozen dataclasses with no behaviour, shared by every package (catalog is the bottom
layer). Names are stored as Redshift shows them: lower case unless quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Namespace:
    """Storage: databases, users and (later) datashares, identified by a GUID."""

    guid: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Database:
    """One database of a namespace (``dev`` by default)."""

    namespace_guid: str
    name: str
    created_at: datetime
    isolation: str = "SNAPSHOT"  # or SERIALIZABLE: other warehouses may not write to it


@dataclass(frozen=True, slots=True)
class Workgroup:
    """Compute: an endpoint and a pool bound to one namespace."""

    name: str
    namespace_guid: str
    host: str
    port: int
    base_capacity: int
    max_capacity: int


@dataclass(frozen=True, slots=True)
class User:
    """A user of one namespace; the password exists only as verifiers (SCRAM, md5, SHA-256)."""

    namespace_guid: str
    usesysid: int
    name: str
    scram_verifier: str | None
    md5_verifier: str | None
    sha256_verifier: str | None
    superuser: bool = False
    createdb: bool = False
    connection_limit: int | None = None
    valid_until: datetime | None = None
    session_timeout: int | None = None  # seconds idle before the session is closed
    disabled: bool = False  # PASSWORD DISABLE: no password login


@dataclass(slots=True)
class QueryRecord:
    """What every statement leaves behind (SYS_QUERY_HISTORY's raw material)."""

    query_id: int
    session_pid: int
    transaction_id: int
    namespace_guid: str
    database: str
    user_name: str
    workgroup: str
    statement_type: str
    query_text: str
    start_time: datetime
    end_time: datetime | None = None
    queue_us: int = 0
    execution_us: int = 0
    rows_returned: int = 0
    bytes_returned: int = 0
    status: str = "running"
    error_code: str | None = None
    error_message: str | None = None
    # Workload management (issue 7): who and where, the queue, DuckDB's profile, RPU-seconds.
    user_id: int | None = None
    query_group: str | None = None
    service_class: int | None = None
    service_class_name: str | None = None
    cpu_time_us: int | None = None
    blocks_read: int | None = None
    temp_blocks: int | None = None
    scan_rows: int | None = None
    join_rows: int | None = None
    nl_join_rows: int | None = None
    cpu_skew: float | None = None
    io_skew: float | None = None
    compute_rpu_seconds: float | None = None
    consumer_namespace: str | None = None
    producer_namespace: str | None = None
    usage_limit: str | None = None  # ids of the usage limits breached while it ran
    short_query_accelerated: bool = False  # it ran in the short-query lane (SQA)
    # DuckDB's profile (JSON) not yet read into the profile columns above: workload management
    # reads it when the record is written or shown, not while the statement's client waits.
    profile_text: str | None = None
