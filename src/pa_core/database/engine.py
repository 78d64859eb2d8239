"""One engine and session factory per process, and the one place database errors are translated."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from pa_core.errors import Conflict, PAError, ServiceUnavailable

__all__ = ["DEFAULT_PRE_PING_IDLE", "Database", "database_errors", "ensure_sqlite_directory"]

DEFAULT_PRE_PING_IDLE = 10.0
"""Seconds a pooled connection may sit unused before it is tested again at checkout."""
_LAST_USED = "pa_last_used"


@dataclass(frozen=True, slots=True)
class _OpenTransaction:
    database: Database
    session: AsyncSession
    task_id: int


_open_transaction: ContextVar[_OpenTransaction | None] = ContextVar(
    "pa_core_open_transaction", default=None
)
_logger = logging.getLogger("pa_core.database")


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file so that the first connection can create it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def database_errors(on_conflict: Callable[[], PAError] | None = None) -> Iterator[None]:
    """Translate SQLAlchemy/driver errors into ``pa_core`` errors.

    An integrity violation becomes ``on_conflict()`` (default :class:`Conflict`);
    a database that cannot be reached or does not answer in time becomes
    :class:`ServiceUnavailable`. Nothing of the SQL reaches the message.
    """
    try:
        yield
    except exc.IntegrityError as error:
        raise (on_conflict() if on_conflict else Conflict()) from error
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
        raise ServiceUnavailable("the database is unavailable", dependency="database") from error
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            raise ServiceUnavailable(
                "the database is unavailable", dependency="database"
            ) from error
        raise
    except (OSError, TimeoutError) as error:
        raise ServiceUnavailable("the database is unavailable", dependency="database") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Test a connection at checkout only when it sat unused for ``idle`` seconds or more.

    A connection in steady use is not pinged (a ping is a round trip on every
    checkout); one that waited in the pool is, and a dead one is replaced
    before it is handed out (``DisconnectionError`` makes the pool retry).
    Should the database restart between two uses within ``idle``, the failing
    statement itself invalidates the pool, so the next checkouts reconnect.
    """
    sync_engine = engine.sync_engine

    def remember(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < idle:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("the pooled connection is dead") from error
        record.info[_LAST_USED] = time.monotonic()

    event.listen(sync_engine, "connect", remember)
    event.listen(sync_engine, "checkin", remember)
    event.listen(sync_engine, "checkout", check)


class Database:
    """Owns the async engine and hands out sessions whose errors are already translated.

    ``pool_pre_ping`` tests pooled connections before use; ``pre_ping_idle``
    limits that to connections unused for at least that many seconds (``0``:
    every checkout), see :func:`_ping_when_idle`.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        pool_timeout: float = 5.0,
        pool_recycle: int = 1800,
        pool_pre_ping: bool = True,
        pre_ping_idle: float = DEFAULT_PRE_PING_IDLE,
        connect_timeout: float = 5.0,
        echo: bool = False,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        self.pool_size = pool_size
        if pre_ping_idle < 0:
            raise ValueError("pre_ping_idle must not be negative")
        ping_each_checkout = pool_pre_ping and pre_ping_idle == 0
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": ping_each_checkout}
        if self.dialect == "sqlite":
            ensure_sqlite_directory(url)
            kwargs["connect_args"] = {"timeout": connect_timeout}
        else:
            kwargs.update(
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                pool_recycle=pool_recycle,
                connect_args={"timeout": connect_timeout, "command_timeout": connect_timeout * 2},
            )
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        if pool_pre_ping and not ping_each_checkout:
            _ping_when_idle(self.engine, pre_ping_idle)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(
        self, on_conflict: Callable[[], PAError] | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on any error.

        Inside :meth:`transaction` (same database, same task) it is that
        transaction's session: the block's writes are flushed at its end (so a
        conflict is raised and translated here) but committed with the outer block.
        """
        joined = self._joined()
        if joined is not None:
            with database_errors(on_conflict):
                yield joined
                await joined.flush()
            return
        with database_errors(on_conflict):
            async with self.sessionmaker() as session, session.begin():
                yield session

    def _joined(self) -> AsyncSession | None:
        current = _open_transaction.get()
        if current is None or current.database is not self:
            return None
        if current.task_id != anyio.get_current_task().id:
            return None  # a child task: one session is never shared between tasks
        return current.session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One transaction for every store on this database used by the current task in the block.

        Stores keep their contracts: each opens :meth:`session` as usual and
        joins this transaction. Everything commits when the block ends, or
        nothing does when it raises (a change and its audit row land together).
        Nested blocks join the outermost one.
        """
        if self._joined() is not None:
            yield
            return
        with database_errors():
            async with self.sessionmaker() as session, session.begin():
                token = _open_transaction.set(
                    _OpenTransaction(self, session, anyio.get_current_task().id)
                )
                try:
                    yield
                finally:
                    _open_transaction.reset(token)

    async def ping(self) -> None:
        """Run ``SELECT 1``; ``ServiceUnavailable`` when the database does not answer."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def warm(self) -> int:
        """Open the pool's connections now, so that the first requests do not wait to connect.

        Returns how many are open; a database that cannot be reached is logged,
        not raised (the service starts anyway and ``/ready`` tells). SQLite has
        no pool to fill: ``0``.
        """
        if self.dialect == "sqlite":
            return 0
        opened = 0
        try:
            with database_errors():
                async with AsyncExitStack() as held:  # all at once: distinct connections
                    for _ in range(self.pool_size):
                        connection = await held.enter_async_context(self.engine.connect())
                        await connection.execute(text("SELECT 1"))
                        opened += 1
        except ServiceUnavailable:
            _logger.warning("database unreachable at start-up: %d pooled connections open", opened)
        return opened

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
