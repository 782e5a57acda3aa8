"""gunicorn's settings for the registry, read by gunicorn from the project folder.

Several workers must share their rate-limit counts: with memory storage each worker counts on
its own, and N workers let N times the attempts through. So gunicorn refuses to start more
than one worker on memory storage, unless RATELIMIT_STORAGE_URI=memory:// is set on purpose
(tests, a demonstration).
"""

import os
import sys


def on_starting(server):
    """Refuse several workers without shared rate-limit storage."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or ""
    if server.cfg.workers > 1 and not storage:
        sys.exit(
            "gunicorn: more than one worker needs shared rate-limit storage: set REDIS_URL "
            "(or RATELIMIT_STORAGE_URI) so that every worker counts the same login attempts"
        )
