"""Evidence files attached to progress updates: the bytes live in file storage
(registry/evidence_store.py), the row says what they are and who may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db

from .base import Audited, TimestampMixin

if TYPE_CHECKING:
    from .signatures import ProgressUpdate


class EvidenceFile(Audited, TimestampMixin, db.Model):
    """One file uploaded with a progress update; public only when a coordinator says so (and
    even then never for a non-public organisation: registry/disclosure decides)."""

    __tablename__ = "evidence_files"

    progress_update_id: Mapped[int] = mapped_column(
        sa.ForeignKey("progress_updates.id", ondelete="CASCADE"), index=True
    )
    # The name as uploaded, made safe (registry/evidence.py); shown and sent as the download name.
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Where the bytes are in the storage (a random name, never derived from the upload's name).
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    is_public: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    progress_update: Mapped[ProgressUpdate] = relationship()
