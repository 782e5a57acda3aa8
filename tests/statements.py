"""Counting the SQL statements a block sends, for the tests that hold a page's statements
constant: only the statements of the calling thread (the embedded job runner's thread may
send mail or run a job meanwhile), and not the session store's (a session is written when it
changes, e.g. when a flashed message is shown or its expiry is renewed)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counting_statements(engine):
    """The statements this thread sends to `engine` inside the block, as a list."""
    statements: list[str] = []
    thread = threading.get_ident()

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == thread and "server_sessions" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
