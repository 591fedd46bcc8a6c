"""Static (AST) import graph of the project's own modules, without importing them.

Used by the training fingerprint (the sources of the NLU components) and by the tests
that keep the package free of import cycles and of imports from ``tests``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path


def module_files(root: Path, package: str) -> dict[str, Path]:
    """``{dotted module name: file}`` for every ``.py`` file of ``package`` under ``root``."""
    files: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def imported_names(path: Path, module: str) -> set[str]:
    """Absolute names of the modules ``path`` (module ``module``) may import, anywhere in it.

    ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a submodule); relative
    imports are resolved against ``module``.
    """
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            origin = ".".join([*base, *([node.module] if node.module else [])])
            names.add(origin)
            names.update(f"{origin}.{alias.name}" for alias in node.names)
    return names


def _with_parents(name: str) -> list[str]:
    """Importing ``a.b.c`` also runs ``a`` and ``a.b``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """``{module: modules of files it imports}`` (parent packages included)."""
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = {p for name in imported_names(path, module) for p in _with_parents(name)}
        graph[module] = {t for t in targets if t in files and t != module}
    return graph


def reachable(graph: Mapping[str, set[str]], starts: Iterable[str]) -> set[str]:
    """``starts`` and every module they import, directly or not."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen
