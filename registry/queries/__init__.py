"""Read-only query functions, by area. Pages, exports, the dashboard and the reports read
through these, never through views; everything of `pledges` is re-exported for brevity."""

from registry.queries.pledges import *  # noqa: F403
from registry.queries.pledges import __all__ as _pledge_names

__all__ = list(_pledge_names)
