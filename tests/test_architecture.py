"""The import graph, read from the source with ast: no circle, and every arrow points to the
module's own floor or one below (the floors are in scripts/import_graph.py and drawn in
docs/architecture.md)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from import_graph import FLOORS, circles, floor, import_graph, upward_arrows  # noqa: E402


def test_the_graph_is_read_from_the_imports():
    graph = import_graph()
    # independent facts about the source, each visible in one import line
    assert "mnist_app.network" in graph["mnist_app.model"]
    assert "mnist_app.model" in graph["mnist_app.predict"]
    assert "mnist_app.augment" in graph["mnist_app.preprocess.strokes"]
    assert not graph["mnist_app.constants"]


def test_a_circle_is_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_there_is_no_import_circle():
    assert circles(import_graph()) == []


def test_every_module_is_on_a_floor_and_every_import_points_down():
    graph = import_graph()
    assert all(0 <= floor(module) < len(FLOORS) for module in graph)
    assert upward_arrows(graph) == []


MODULE_LINES = 300  # past this a module asks to be split (the engineers' guide)


def test_no_module_is_past_the_size_that_asks_for_a_split():
    long = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "mnist_app").rglob("*.py"))
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert long == {}
