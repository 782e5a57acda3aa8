"""Joining an existing organisation instead of registering a copy."""

from __future__ import annotations

__all__: list[str] = []
