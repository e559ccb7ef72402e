"""Make the project importable when the unit suite is run as ``.venv/bin/pytest tests/unit``.

(No project-wide conftest is assumed: the domain tests need nothing but the
package itself.)
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
