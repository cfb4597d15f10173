"""One transaction per request, job or command: the only place that commits.

Views and services write through the session and flush. When the view has returned, the request
commits if its response is a success (status below 400) and the view did not `abandon()` it; it
rolls back on an exception, an error status or an abandon. A commit that fails becomes the error
page like any other exception. Callbacks registered with `after_commit` (enqueuing a job that
reads the rows just written) run only once the commit has succeeded.

A CLI command is one transaction too: `@command_transaction` commits when it returns and rolls
back when it raises or exits with an error."""

import functools
from typing import Callable

from flask import Flask, g, request

from .extensions import db

WRITING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_AFTER_COMMIT = "consultation.after_commit"


class App(Flask):
    """Flask, with the request's transaction ended right after its view, before the response is
    finalised: a failed commit is then answered as an error, never as a success."""

    def dispatch_request(self):
        try:
            if request.method in WRITING_METHODS:
                begin_writing()
            response = self.make_response(super().dispatch_request())
        except BaseException:
            rollback()
            raise
        if response.status_code >= 400 or g.pop("transaction_abandoned", False):
            rollback()
        else:
            commit()
        return response


def begin_writing() -> None:
    """Starts the request's transaction as a writer. On SQLite, a transaction that reads then
    writes fails at once if another writer committed in between (WAL snapshots): taking the write
    lock first makes concurrent writers wait their turn instead. PostgreSQL needs nothing."""
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})


def abandon() -> None:
    """The request failed after writing (a domain error that the view reports by re-rendering a
    form or redirecting with a message): its writes are undone now and nothing is committed."""
    rollback()
    g.transaction_abandoned = True


def after_commit(callback: Callable[[], None]) -> None:
    """Runs `callback` once the current transaction is committed; never if it is rolled back."""
    db.session().info.setdefault(_AFTER_COMMIT, []).append(callback)


def commit() -> None:
    session = db.session()
    session.commit()
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


def rollback() -> None:
    session = db.session()
    session.info.pop(_AFTER_COMMIT, None)
    session.rollback()


def command_transaction(command: Callable) -> Callable:
    """For CLI commands: one transaction, committed when the command returns normally, rolled
    back when it raises or exits non-zero (`raise SystemExit(1)` after printing its errors)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
        except SystemExit as exit_:
            if exit_.code in (None, 0):
                commit()
            else:
                rollback()
            raise
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return run
