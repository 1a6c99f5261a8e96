"""What translating a statement depends on besides its text.

Everything here is part of the statement cache key, so a cached translation is only reused
where it would come out the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Context:
    """The session facts that translation reads."""

    namespace: str
    database: str  # the session's current database (Redshift name)
    user: str
    databases: Mapping[str, str] = field(compare=False)  # database name -> internal alias
    generation: int = 0  # bumped whenever the namespace's databases change
    superuser: bool = False  # superusers see every row of the privilege views

    @property
    def key(self) -> tuple[str, str, str, int, bool]:
        """The cache key: every fact above that a translation may read."""
        return (self.namespace, self.database, self.user, self.generation, self.superuser)
