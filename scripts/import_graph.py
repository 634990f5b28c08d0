"""Draw mnist_app's layers from its real imports, and find any circle or upward arrow.

Every ``import`` and ``from ... import`` of an ``mnist_app`` module, wherever it is in a
file (imports inside functions count: a lazy import is still an arrow), except those
under ``if TYPE_CHECKING:``. The package's own ``__init__`` is left out: it imports
nothing when it loads (its names load on first use) and only holds ``__version__``.

    python scripts/import_graph.py      # the floors, the arrows between them, and problems

``tests/test_architecture.py`` checks that there is no circle and no arrow pointing up.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The floors, bottom first: (name, module prefixes). A module belongs to the floor of its
# longest matching prefix. Each import must point to its own floor or one below.
FLOORS = (
    ("leaves", ("constants", "limits", "errors", "safe_io", "atomic", "lifeline")),
    ("transforms", ("augment", "distortions")),
    ("pictures (know no network)", ("decode", "ico", "image_budget", "image_folder", "plain_png", "preprocess", "synthetic")),
    ("network and its reading", ("network", "inputs", "confidence", "reading", "training",
                                 "training_progress", "teach")),
    ("files", ("idx", "npz", "model_metadata", "model_io", "mnist_files", "data", "download")),
    ("model", ("model", "evaluate", "predict", "numbers")),
    ("report", ("report",)),
    ("live training", ("live",)),
    ("web", ("web",)),
    ("command line (the only code that prints)", ("cli", "__main__")),
)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the mnist_app modules it imports, for every module of the package but its root."""
    paths = {module_name(path, root): path for path in (root / "mnist_app").rglob("*.py")}
    graph = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        targets = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mnist_app":
                targets.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in paths
                               else node.module for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name.split(".")[0] == "mnist_app")
        graph[module] = {target for target in targets if target in paths} - {module, "mnist_app"}
    del graph["mnist_app"]
    return graph


def floor(module: str) -> int:
    """The index in FLOORS of ``module`` ("mnist_app.x.y"); ValueError if no floor names it."""
    name = module.removeprefix("mnist_app.")
    best = max(((len(prefix), index) for index, (_, prefixes) in enumerate(FLOORS) for prefix in prefixes
                if name == prefix or name.startswith(prefix + ".")), default=None)
    if best is None:
        raise ValueError(f"{module} is on no floor: add it to FLOORS in scripts/import_graph.py")
    return best[1]


def upward_arrows(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((module, target) for module, targets in graph.items() for target in targets
                  if floor(target) > floor(module))


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def main() -> None:
    sys.setrecursionlimit(10_000)
    graph = import_graph()
    floors: dict[int, list[str]] = {}
    for module in sorted(graph):
        floors.setdefault(floor(module), []).append(module.removeprefix("mnist_app."))
    arrows = Counter((floor(module), floor(target)) for module, targets in graph.items() for target in targets)
    print("| floor | modules | imports from the floors below |\n| --- | --- | --- |")
    for number in reversed(range(len(FLOORS))):
        below = ", ".join(f"{FLOORS[to][0].split(' (')[0]} {count}" for (start, to), count in sorted(arrows.items())
                          if start == number and to < number)
        print(f"| {number} {FLOORS[number][0]} | {', '.join(floors.get(number, []))} | {below or '-'} |")
    print()
    print("circles:", circles(graph) or "none")
    print("arrows pointing up:", upward_arrows(graph) or "none")


if __name__ == "__main__":
    main()
