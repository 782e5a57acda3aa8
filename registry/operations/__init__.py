"""State changes used by views, CLI, importers and jobs alike.

Each operation flushes and returns the object; the caller commits. Audit events are written by
the flush itself (registry.audit). A problem the user can fix raises `OperationError` with a
message fit to show them. One module per area; everything is re-exported here, so callers write
`operations.submit_signature(...)`.
"""

from .accounts import *  # noqa: F403
from .base import OperationError
from .engagements import *  # noqa: F403
from .invitations import *  # noqa: F403
from .membership import *  # noqa: F403
from .organisations import *  # noqa: F403
from .progress import *  # noqa: F403
from .signatures import *  # noqa: F403
from .tracker import *  # noqa: F403
from .transfer import *  # noqa: F403
from .windows import *  # noqa: F403

__all__ = ["OperationError"]
