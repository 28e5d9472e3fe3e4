"""The clinic store: one transaction per use case, with repositories for what it touches.

``with store.transaction() as tx:`` gives ``tx.accounts``, ``tx.patients`` and ``tx.audit``;
everything done in the block commits together or not at all. A database that goes away
mid-transaction (server down, connection killed) raises ``DatabaseUnavailable`` after the
rollback, so a request can answer 503 knowing nothing was half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hipflex.errors import ConflictError
from hipflex.storage.clinic.accounts_repo import AccountsRepository
from hipflex.storage.clinic.audit_repo import AuditRepository
from hipflex.storage.clinic.database import DatabaseUnavailable, location, reason
from hipflex.storage.clinic.patients_repo import PatientsRepository


@dataclass
class Transaction:
    session: Session
    accounts: AccountsRepository
    patients: PatientsRepository
    audit: AuditRepository


__all__ = ["ClinicStore", "ConflictError", "Transaction"]


class ClinicStore:
    """Transactions over the clinic database (the adapter behind services/clinic/ports.py)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        session = self._sessions()
        try:
            with session.begin():
                yield Transaction(
                    session=session,
                    accounts=AccountsRepository(session),
                    patients=PatientsRepository(session),
                    audit=AuditRepository(session),
                )
        except IntegrityError as exc:
            raise ConflictError(_constraint(exc)) from None
        except DBAPIError as exc:
            if _unavailable(exc):
                raise DatabaseUnavailable(
                    f"the clinic database {location(self.engine)} is unavailable: {reason(exc)}"
                ) from None
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _unavailable(exc: DBAPIError) -> bool:
    """Connection lost or refused, server shutting down, admin killed us: not our bug."""
    if exc.connection_invalidated:
        return True
    from psycopg import errors

    original = exc.orig
    return isinstance(
        original,
        errors.OperationalError | errors.AdminShutdown | errors.CannotConnectNow,
    ) or (original is not None and type(original).__name__ in {"OperationalError"})


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name or "unique")
