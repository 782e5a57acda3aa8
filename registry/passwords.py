"""The password rule (ASVS V6.2): 12 to 128 characters, no composition rules, and never one of
the common or breached passwords shipped in `registry/data/common_passwords.txt`, nor the
account's own e-mail address or name. Flask-Security checks every password through it: the
login forms, registration, password change and reset, and `create-user`.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import gettext
from flask_security import PasswordUtil

LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
MIN_LENGTH, MAX_LENGTH = 12, 128


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, case-folded (read once per process)."""
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def problems(password: str, email: str | None = None, name: str | None = None) -> list[str]:
    """Why `password` is refused (empty when it is acceptable)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return [
            gettext("Use between %(low)d and %(high)d characters.", low=MIN_LENGTH, high=MAX_LENGTH)
        ]
    folded = _folded(password)
    if folded in common_passwords() or folded.replace(" ", "") in common_passwords():
        return [
            gettext(
                "This password is on a list of common or leaked passwords. Choose another: "
                "a few unrelated words make a strong one."
            )
        ]
    own = {_folded(value) for value in (email, name, (email or "").split("@")[0]) if value}
    if folded in own:
        return [gettext("Do not use your e-mail address or name as your password.")]
    return []


class RegistryPasswordUtil(PasswordUtil):
    """Flask-Security's password checks, with the registry's rule."""

    def validate(self, password: str, is_register: bool, **kwargs) -> tuple[list | None, str]:
        """Normalise, then return (problems or None, normalised password)."""
        normalised = self.normalize(password)
        user = kwargs.get("user")
        email = kwargs.get("email") or getattr(user, "email", None)
        name = kwargs.get("name") or getattr(user, "name", None)
        found = problems(normalised, email=email, name=name)
        return (found or None), normalised
