"""Settings for the test suite: the same as production-shaped settings, with fast, isolated parts."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("MEDREG_VAR_DIR", os.path.join(tempfile.gettempdir(), "medreg-test-var"))

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(os.environ["MEDREG_VAR_DIR"]) / "media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "medreg-test"}}
