"""trainerdesk/domain is pure: no framework or database imports, no clock, no environment.

Checked on the source with ``ast`` (nothing is imported or executed), resolving
import aliases so ``from datetime import datetime as DT; DT.now()`` is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "trainerdesk" / "domain"
MODULES = sorted(DOMAIN.glob("*.py"))

FORBIDDEN_PACKAGES = {"reflex", "sqlmodel", "sqlalchemy", "fastapi"}
FORBIDDEN_NAMES = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
    "os.environ",
    "os.getenv",
    "os.environ.get",
}


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def violations(source: str, filename: str = "<src>") -> list[str]:
    tree = ast.parse(source, filename)
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> fully qualified name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in FORBIDDEN_PACKAGES:
                    found.append(f"{filename}:{node.lineno} imports {a.name}")
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in FORBIDDEN_PACKAGES:
                found.append(f"{filename}:{node.lineno} imports from {node.module}")
            for a in node.names:
                full = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = full
                if full in FORBIDDEN_NAMES:
                    found.append(f"{filename}:{node.lineno} imports {full}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = _dotted(node)
            if not name:
                continue
            head, _, rest = name.partition(".")
            resolved = aliases.get(head, head) + (f".{rest}" if rest else "")
            if resolved in FORBIDDEN_NAMES:
                found.append(f"{filename}:{node.lineno} uses {resolved}")
    return found


def test_the_domain_modules_are_found():
    names = {m.name for m in MODULES}
    assert {"__init__.py", "errors.py", "ranges.py", "slots.py", "policy.py"} <= names


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_is_pure(module: Path):
    assert violations(module.read_text(encoding="utf-8"), module.name) == []


# --------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    "source",
    [
        "import reflex as rx",
        "import sqlalchemy.orm",
        "from sqlmodel import Session",
        "from fastapi.responses import JSONResponse",
        "import datetime\nx = datetime.datetime.now()",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import datetime\nx = datetime.utcnow()",
        "from datetime import datetime as DT\nx = DT.now(tz=None)",
        "import datetime as dt\nx = dt.datetime.utcnow()",
        "from datetime import date\nx = date.today()",
        "import time\nx = time.time()",
        "from time import time\nx = time()",
        "from time import time as clock\nx = clock()",
        "import os\nx = os.environ['DATABASE_URL']",
        "import os\nx = os.getenv('X')",
        "from dataclasses import field\nfrom datetime import datetime\nf = field(default_factory=datetime.now)",
    ],
)
def test_checker_catches(source):
    assert violations(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime, timedelta\nx = datetime(2027, 1, 1) + timedelta(hours=1)",
        "from .errors import ValidationFailed",
        "def f(now):\n    return now.astimezone()",
        "import re\nx = re.compile('now')",
        "from datetime import time\nx = time(9, 30)",
    ],
)
def test_checker_allows(source):
    assert violations(source) == []
