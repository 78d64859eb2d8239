"""One engine and session factory per process, and the one place database errors are translated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from pa_core.errors import Conflict, PAError, ServiceUnavailable

__all__ = ["Database", "database_errors", "ensure_sqlite_directory"]


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


class Database:
    """Owns the async engine and hands out sessions whose errors are already translated."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        pool_timeout: float = 5.0,
        pool_recycle: int = 1800,
        pool_pre_ping: bool = True,
        connect_timeout: float = 5.0,
        echo: bool = False,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": pool_pre_ping}
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
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(
        self, on_conflict: Callable[[], PAError] | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on any error."""
        with database_errors(on_conflict):
            async with self.sessionmaker() as session, session.begin():
                yield session

    async def ping(self) -> None:
        """Run ``SELECT 1``; ``ServiceUnavailable`` when the database does not answer."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
