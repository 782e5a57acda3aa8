"""Invitations: single-use links to submit while a window is closed."""

from __future__ import annotations

__all__: list[str] = []
