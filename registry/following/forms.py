"""Forms of following: the Follow / Unfollow button (a CSRF-protected POST)."""

from __future__ import annotations

from wtforms import HiddenField

from registry.forms import BaseForm


class FollowForm(BaseForm):
    """Follow or stop following one thing; `next` is the page to go back to."""

    next = HiddenField()
