"""Translating client statements without holding up the event loop.

Translation is pure Python. Most statements take well under a millisecond, but a long one (a
Parse of 32,767 parameters, a generated IN list of thousands of values) takes seconds, and on
the event loop those seconds would be every connection's. So a statement of at least
``OFF_LOOP_CHARS`` characters that is not in the cache is translated on a worker thread while
the loop goes on serving the other connections (they share the interpreter with the worker, so
they are slowed, not stopped). Below that size the thread hop would cost more than it saves.

Only the loop touches the statement cache. The worker gets the session's context with copies
of its mappings, since other sessions on the loop may create or drop databases meanwhile; the
translation is stored under that context's key, which names the catalog generation it read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor

from catalog import errors as err
from proxy.sql.context import Context
from proxy.sql.pipeline import Statement, StatementCache, translate_all

# Statements this long take tens of milliseconds to translate, where a thread hop costs about
# 0.1 ms. Measured (best of 3, this 2-core box shared): a 2 KB report query of 40 CASE sums
# 50 ms, 3.5 KB of 300 parameters 39 ms, 1.5 KB of IN list 34 ms, SELECT 1 0.4 ms.
OFF_LOOP_CHARS = 2048
log = logging.getLogger(__name__)

# Translations that may run at once; more would only share the same interpreter lock.
_WORKERS = 2


class Translator:
    """The statement cache in front of translation, big statements translated off the loop."""

    def __init__(self, cache: StatementCache) -> None:
        self.cache = cache
        self._executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="duckshift-translate")

    async def statements(self, sql: str, ctx: Context) -> list[Statement]:
        """The statements of a client's query string, from the cache or freshly translated."""
        stmts = self.cache.lookup(sql, ctx)
        if stmts is not None:
            return stmts
        try:
            if len(sql) < OFF_LOOP_CHARS:
                stmts = translate_all(sql, ctx)
            else:
                snapshot = dataclasses.replace(
                    ctx, databases=dict(ctx.databases), external=dict(ctx.external))
                stmts = await asyncio.get_running_loop().run_in_executor(
                    self._executor, translate_all, sql, snapshot)
        except (err.SQLError, RecursionError):
            raise
        except Exception as exc:
            # A bug of translation fails the statement, as PostgreSQL's internal errors do,
            # not the session. The text is not logged: it may hold data.
            log.exception("translation failed")
            raise err.InternalError(
                f"internal error while translating the statement ({type(exc).__name__})"
            ) from None
        self.cache.store(sql, ctx, stmts)
        return stmts

    def close(self) -> None:
        """Stop taking translations (one still running finishes on its thread)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
