"""Seeded vocabularies: action areas, risks, target populations, coordination structures."""

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db

from .base import Audited, TimestampMixin, enum_column
from .enums import VocabularyKind


class VocabularyTerm(Audited, TimestampMixin, db.Model):
    __tablename__ = "vocabulary_terms"
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_vocabulary_terms_kind_code"),)

    kind: Mapped[VocabularyKind] = enum_column(VocabularyKind, index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        """The label in the current language."""
        return gettext(self.label_en)

    def __repr__(self) -> str:
        return f"<VocabularyTerm {self.kind.name}:{self.code}>"


def term_link_table(name: str, owner_table: str) -> sa.Table:
    """An association table between `owner_table` rows and vocabulary terms."""
    owner_key = owner_table.rstrip("s") + "_id"
    return sa.Table(
        name,
        db.metadata,
        sa.Column(
            owner_key,
            sa.ForeignKey(f"{owner_table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "term_id",
            sa.ForeignKey("vocabulary_terms.id", ondelete="RESTRICT"),
            primary_key=True,
            index=True,
        ),
    )
