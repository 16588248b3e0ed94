"""The shape of the code: no import cycle, focused modules, and a wheel without dev scripts."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("features", "classifiers", "pipelines", "benchmarks")
MAX_LINES = 400


def _modules():
    """Dotted module name -> path, for every module of the packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _from_module(node, package):
    """The absolute module of ``from ... import`` ``node`` in a module of ``package``."""
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    return base


def _imports(name, path, modules):
    """Project modules that ``name`` imports anywhere in its file (function bodies too)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _from_module(node, package)
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # "import a.b.c" imports a.b.c itself; "from a.b import c" imports a.b or a.b.c.
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _graph():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        # A package's __init__ re-exports its modules; that edge (and a
        # submodule importing its parent package for a shared name) is not a
        # cycle between concerns, so edges to and from __init__ re-exports of
        # a module's own package are left out.
        targets = _imports(name, path, modules)
        graph[name] = {t for t in targets
                       if not (path.name == "__init__.py" and t.startswith(name + "."))
                       and not name.startswith(t + ".")}
    return graph


def test_cycle_finder_finds_a_known_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_import_walker_resolves_relative_and_nested_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from .y import z\n\ndef f():\n    from pkg.w import v\n")
    modules = {"pkg.m": path, "pkg.y": path, "pkg.w": path}
    assert _imports("pkg.m", path, modules) == {"pkg.y", "pkg.w"}


def test_no_import_cycle_between_modules():
    graph = _graph()
    assert len(graph) > 40  # the walk found the packages
    assert _cycles(graph) == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_is_focused_and_says_what_it_is_for(name):
    path = _modules()[name]
    text = path.read_text()
    n_lines = len(text.splitlines())
    assert n_lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {n_lines} lines"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and docstring.splitlines()[0].strip(), (
        f"{path.relative_to(ROOT)} needs a docstring whose first line says what it is for")


@pytest.mark.slow
def test_wheel_holds_the_product_and_not_the_developer_benchmarks(tmp_path):
    # Build isolation fetches setuptools from the package index, as `pip install .` does.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet",
         "--wheel-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("featbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == set(PACKAGES)
    for module in ("benchmarks/harness/cli/__init__.py", "benchmarks/data/cifar10.py",
                   "features/checks.py", "pipelines/registry.py"):
        assert module in names
    assert not [n for n in names if n.startswith("benchmarks/dev/")]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "featbench = benchmarks.harness.cli:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()


def _private(part):
    return part.startswith("_") and not part.startswith("__")


def _private_imports(name, path, modules):
    """``(line, what)`` of each private name ``name`` takes from another module.

    A private name (``_x``) imported from another module, and a private module
    (``pkg._mod``) imported from outside its package ``pkg``, are both refused;
    a package's modules may import its own private modules.
    """
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            pairs = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _from_module(node, package)
            pairs = [(base, alias.name) for alias in node.names]
        else:
            continue
        for module, imported in pairs:
            full = f"{module}.{imported}" if imported else module
            target = full if full in modules else module
            if target.split(".")[0] not in PACKAGES:
                continue  # another library's names are its own business
            parts = target.split(".")
            for i, part in enumerate(parts):
                owner = ".".join(parts[:i])  # the package that holds the private module
                if _private(part) and not (name == owner or name.startswith(owner + ".")):
                    found.append((node.lineno, target))
            own = name == module or name.startswith(module + ".")
            if imported and full not in modules and _private(imported) and not own:
                found.append((node.lineno, full))
    return found


def test_private_import_finder_knows_what_is_private(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from features._patches import x\nfrom features.hog import _cells\n"
                    "from . import _own\nfrom features.checks import check_int\n")
    modules = {"features._patches": path, "features.hog": path, "features.checks": path,
               "classifiers.m": path, "features.m": path}
    assert _private_imports("classifiers.m", path, modules) == [
        (1, "features._patches"), (2, "features.hog._cells")]
    # Inside its package a private module is the package's own business.
    assert _private_imports("features.m", path, {**modules, "features._own": path}) == [
        (2, "features.hog._cells")]


def test_no_module_imports_another_modules_private_names():
    modules = _modules()
    found = [f"{path.relative_to(ROOT)}:{line} imports {what}"
             for name, path in modules.items()
             for line, what in _private_imports(name, path, modules)]
    assert found == []
