"""What every operation shares: the refusal a user can act on."""

from __future__ import annotations


class OperationError(Exception):
    """A refusal the user can act on; the message is shown as it is, `field` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
