"""segmently.core imports only the standard library and itself (import-linter checks the
forbidden list; this checks the allow-list)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "segmently" / "core"


def test_core_imports_only_the_standard_library() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or name.startswith("segmently.core")
                if top == "__future__" or allowed:
                    continue
                offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert not offenders, offenders
