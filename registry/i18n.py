"""Translation helpers shared by models, forms and views (Flask-Babel does the work)."""

import enum

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext "mark only" name
    """Mark a string for translation without translating it (translated when shown)."""
    return text


class LabelledEnum(enum.Enum):
    """An enum stored by name whose value is an English label marked for translation."""

    @property
    def label(self) -> str:
        """The label in the current language."""
        return gettext(self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(name, label) pairs for select fields."""
        return [(member.name, member.label) for member in cls]
