"""Shared set-up for the search benchmarks: a minimal Django configuration.

The benchmarks exercise only the ``search`` app, so they configure Django
themselves instead of loading the project's settings (no database needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MATCHBENCH = Path(os.environ.get("MATCHBENCH", ROOT.parent / "shared" / "data" / "matchbench"))


def setup_django() -> None:
    """Configure Django with just the search app, unless already configured."""
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["search"],
            USE_TZ=True,
            TIME_ZONE="Asia/Shanghai",
            LANGUAGE_CODE="zh-hans",
            SEARCH_BACKENDS={
                "default": {"BACKEND": "search.backends.embedded", "PATH": "/tmp/jiebang-bench"}
            },
        )
    django.setup()
