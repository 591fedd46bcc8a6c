"""Production code never imports the tests, and the bot's modules import no cycle."""

from __future__ import annotations

from pathlib import Path

from bot import ROOT
from bot.imports import import_graph, imported_names, module_files, reachable

# ``tests`` and the helper modules pytest puts on sys.path (tests/integration/fake_telegram.py...)
TEST_MODULES = {"tests"} | {path.stem for path in (ROOT / "tests").rglob("*.py")}


def test_production_code_does_not_import_tests() -> None:
    offenders = [
        f"{module} -> {name}"
        for package in ("bot", "actions")
        for module, path in module_files(ROOT, package).items()
        for name in imported_names(path, module)
        if name.split(".")[0] in TEST_MODULES
    ]
    assert offenders == []


def test_no_import_cycle_among_bot_modules() -> None:
    graph = import_graph(module_files(ROOT, "bot"))
    in_a_cycle = sorted(module for module, targets in graph.items() if module in reachable(graph, targets))
    assert in_a_cycle == []


def test_the_graph_sees_lazy_relative_and_from_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from . import b\n")
    (package / "b.py").write_text("from pkg.c import value\n")
    (package / "c.py").write_text("import pkg.a\nvalue = 1\n")
    graph = import_graph(module_files(tmp_path, "pkg"))
    assert graph["pkg.a"] == {"pkg", "pkg.b"}
    assert graph["pkg.b"] == {"pkg", "pkg.c"}
    assert reachable(graph, ["pkg.c"]) == {"pkg", "pkg.a", "pkg.b", "pkg.c"}
