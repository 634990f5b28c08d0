"""docs/reading.md's "When it doubts" (the README links it) quotes what was generated,
never a number copied by hand: its table rows are rows of docs/held-out-families.md
(written by measure_realistic.py), and its thresholds are the shipped model's."""

from __future__ import annotations

import re
from pathlib import Path

from mnist_app.confidence import RejectRule
from mnist_app.model_io import default_model_path, load

ROOT = Path(__file__).resolve().parent.parent


def doubts_section() -> str:
    readme = (ROOT / "docs" / "reading.md").read_text()
    return readme[readme.index("## When it doubts"):readme.index("\n## ", readme.index("## When it doubts") + 3)]


def test_the_table_is_the_generated_one():
    rows = [line for line in doubts_section().splitlines() if line.startswith("|")]
    generated = (ROOT / "docs" / "held-out-families.md").read_text().splitlines()
    assert len(rows) >= 4
    assert all(row in generated for row in rows), [row for row in rows if row not in generated]


def test_the_thresholds_are_the_shipped_models():
    rule = RejectRule.from_metadata(load(default_model_path())[1])
    text = " ".join(doubts_section().split())
    found = re.search(r"\*\*not a digit\*\* when the strongest output is below ([0-9.]+), \*\*unsure\*\* below ([0-9.]+)",
                      text)
    assert found, "the rule's sentence changed; update this test"
    assert (float(found[1]), float(found[2])) == (round(rule.not_a_digit_below, 3), round(rule.unsure_below, 3))
