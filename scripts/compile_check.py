"""Compile every page without serving (a quick check that the UI builds): python scripts/compile_check.py"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reflex.utils import prerequisites  # noqa: E402

prerequisites.get_compiled_app(dry_run=True)
print("all pages compile")
