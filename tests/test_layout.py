"""The import direction of DESIGN.md: a stage imports only the base and earlier stages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evidentia"
BASE = {"models", "config", "errors"}
# Earlier stages first. A module may import the base, its own stage and any stage before it.
STAGES = [
    "ingest", "store", "sources", "index", "analyse", "retrieve", "synthesise", "render",
    "evaluate", "pipeline", "progress", "web", "bulk", "cli", "__main__",
]


def stage_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def evidentia_imports(path: Path) -> set[str]:
    """First-level evidentia modules that ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(PACKAGE).parts) - 1
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found |= _from_import(node, depth)
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("evidentia.")}
    return found


def _from_import(node: ast.ImportFrom, depth: int) -> set[str]:
    if node.level == 0:
        if not (node.module or "").startswith("evidentia"):
            return set()
        parts = (node.module or "").split(".")[1:]
    elif node.level - 1 < depth:
        return set()  # relative import inside the same stage package
    else:
        parts = (node.module or "").split(".") if node.module else []
    if parts and parts[0]:
        return {parts[0]}
    return {alias.name for alias in node.names}


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if stage_of(p) != "__init__")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_stage_imports_only_earlier_stages(path: Path) -> None:
    stage = stage_of(path)
    imported = {name for name in evidentia_imports(path) if not name.startswith("_")} - {stage, ""}
    if stage in BASE:
        assert imported <= BASE, f"{stage} must import only the base modules, got {imported}"
        return
    assert stage in STAGES, f"{stage} is not a known stage; add it to STAGES in order"
    allowed = BASE | set(STAGES[: STAGES.index(stage)])
    assert imported <= allowed, f"{path.name} ({stage}) imports later stages: {imported - allowed}"


def test_only_sources_touch_the_network() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if stage_of(path) in {"sources", "web"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "import httpx" in text or "import urllib.request" in text or "import requests" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
