"""The folders are layers: a lower one never imports a higher one, and no module grows past 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("agent", "graphs", "tools", "prompts", "evals", "benchmarks")
MAX_LINES = 400


def python_files() -> list[Path]:
    return [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def forbidden(path: Path, module: str) -> str | None:
    """Why importing `module` from `path` breaks the layering, or None."""
    where = path.relative_to(REPO).parts
    top = module.split(".")[0]
    if top == "tests":
        return "only tests import tests"
    if where[0] == "tools" and top in ("agent", "graphs", "evals"):
        return "tools/ is the ground floor"
    if where[0] == "agent" and where[1] not in ("run", "cli") and top in ("graphs", "evals"):
        return "only agent/run/ and agent/cli/ import graphs/ and evals/"
    if where[0] == "graphs" and (top == "evals" or module.startswith(("agent.run", "agent.cli"))):
        return "graphs/ is wiring over agent/ nodes"
    return None


def test_no_layer_imports_a_higher_one():
    violations = [
        f"{path.relative_to(REPO)} imports {module}: {why}"
        for path in python_files()
        for module in sorted(imported_modules(path))
        if (why := forbidden(path, module))
    ]
    assert violations == []


def test_the_rule_catches_a_violation(tmp_path):
    """The checker itself sees imports inside functions and upward imports."""
    bad = REPO / "tools" / "_layer_probe.py"
    bad.write_text("def f():\n    from agent.context import Context\n    import graphs.monitor\n", encoding="utf-8")
    try:
        found = {m for m in imported_modules(bad) if forbidden(bad, m)}
    finally:
        bad.unlink()
    assert found == {"agent.context", "graphs.monitor"}
    assert forbidden(REPO / "agent" / "reader.py", "graphs.paper")
    assert not forbidden(REPO / "agent" / "run" / "paper_run.py", "graphs.paper")
    assert forbidden(REPO / "benchmarks" / "parallel_readers.py", "tests.fake_models")


def test_modules_stay_small():
    long = {str(p.relative_to(REPO)): n for p in python_files() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
