"""Signing a pledge: drafts, commitments, submission, decisions, withdrawal."""

from __future__ import annotations

__all__: list[str] = []
