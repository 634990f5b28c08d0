"""Where the segmenter's path choice goes wrong: the chosen and the right way of cutting, term by term.

``record`` reads each number of the chosen families and seeds (built as
scripts/measure_realistic.py builds them) and pickles what the segmenter weighed in each
cluster: the candidate pieces (their start and end boundaries), each piece's gain term by
term (segment.gain_terms, segment.GAIN_TERMS) and its raw outputs (10,), beside the
reading read_number gave. ``study`` re-chooses each cluster's path from the recording
(path_search.best_path), finds for each misread number the highest-scoring way of cutting
that spells it (a right path: its pieces' readings, not-a-digit pieces left out, spell
the number), and prints the terms in which the two paths differ, then counts: numbers
read right, numbers with a right path, how close the right path came (its score less the
chosen one's) and how surely its own pieces (those not on the chosen path) were read.
A right path whose pieces read at 0.2 spells the number by chance, not by evidence.

    PYTHONPATH=. python scripts/piece_study.py record --seeds 1,2,3 --out /tmp/study.pkl
    PYTHONPATH=. python scripts/piece_study.py study /tmp/study.pkl [--show 40] [--scale "cut=0.8" ...]

``--scale`` weighs a term more or less (the constants behind it scaled alike) and counts
again, without reading anything: a quick check of a constant before measuring it for real.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure_numbers  # noqa: E402
from measure_realistic import source_digits  # noqa: E402

from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.preprocess import path_search, segment  # noqa: E402


def record(args: argparse.Namespace) -> None:
    classifier = Classifier.load()
    digits, labels, _ = source_digits(argparse.Namespace(source="validation", data_dir=args.data_dir))
    split_cluster, gain_terms = segment.split_cluster, segment.gain_terms
    clusters: list = []
    weighed: dict = {}

    def recording_terms(crop, lefts, group_ends, wide, candidates, confidences, digit_height):
        terms = gain_terms(crop, lefts, group_ends, wide, candidates, confidences, digit_height)
        weighed.update(boundaries=len(lefts), spans=[(start, end) for start, end, _, _ in candidates], terms=terms,
                       outputs=classifier.model.read(np.array([c[2] for c in candidates])).outputs)
        return terms

    def recording_split(ink, cluster, digit_height, score, budget=None):
        weighed.clear()
        pieces = split_cluster(ink, cluster, digit_height, score, budget)
        chosen = classifier.model.read(np.array([p[0] for p in pieces])).outputs if pieces else np.zeros((0, 10))
        clusters.append({"weighed": dict(weighed) or None, "chosen": chosen})
        return pieces

    segment.split_cluster, segment.gain_terms = recording_split, recording_terms
    records = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        seeds = np.random.SeedSequence([seed, 1]).spawn(len(measure_numbers.FAMILIES) + 1)
        for (key, build, _), family_seed in zip(measure_numbers.FAMILIES, seeds):
            if key not in args.families.split(","):
                continue
            labelled = build(digits, labels, args.numbers, np.random.default_rng(family_seed))
            for file, written in zip(labelled.files, labelled.numbers):
                clusters.clear()
                read = measure_numbers.reading_of(classifier, file)
                records.append({"family": key, "seed": seed, "written": written, "read": read,
                                "clusters": list(clusters)})
            print(key, seed, flush=True)
    with open(args.out, "wb") as out:
        pickle.dump(records, out)


def spelled(rule, outputs: np.ndarray) -> list[str]:
    """Each piece's reading (raw ``outputs`` (n, 10)) as read_number keeps it: "" for not a digit."""
    not_a_digit = rule.judge(outputs)[1] if len(outputs) else []
    return ["" if rejected else str(digit) for digit, rejected in zip(np.argmax(outputs, axis=1), not_a_digit)]


def chosen_paths(record: dict) -> list:
    """The path path_search.best_path chooses in each weighed cluster (None where nothing was weighed)."""
    return [None if c["weighed"] is None else
            path_search.best_path(c["weighed"]["boundaries"], c["weighed"]["spans"], c["weighed"]["terms"].sum(axis=1))
            for c in record["clusters"]]


def reading(rule, record: dict, paths: list) -> str:
    """The number ``paths`` spell, clusters not weighed (or with no path) as they were read."""
    text = ""
    for cluster, path in zip(record["clusters"], paths):
        if path is None:
            text += "".join(spelled(rule, cluster["chosen"]))
        else:
            read = spelled(rule, cluster["weighed"]["outputs"])
            text += "".join(read[index] for index in path)
    return text


def right_paths(rule, record: dict) -> list | None:
    """The highest-scoring paths, one per cluster, that spell the number written; None if none does."""
    written = record["written"]
    states: dict[int, tuple[float, list]] = {0: (0.0, [])}  # digits spelled so far -> (score, paths)
    for cluster in record["clusters"]:
        new: dict[int, tuple[float, list]] = {}
        weighed = cluster["weighed"]
        if weighed is None:
            fixed = "".join(spelled(rule, cluster["chosen"]))
            for at, (score, paths) in states.items():
                if written.startswith(fixed, at):
                    new[at + len(fixed)] = (score, paths + [None])
            states = new
            continue
        read, gains, spans = spelled(rule, weighed["outputs"]), weighed["terms"].sum(axis=1), weighed["spans"]
        for at, (score, paths) in states.items():
            best: dict[tuple[int, int], tuple[float, list]] = {(0, at): (score, [])}
            for index in sorted(range(len(spans)), key=lambda i: spans[i][1]):
                start, end = spans[index]
                for (boundary, spelt), (so_far, path) in list(best.items()):
                    if boundary == start and written.startswith(read[index], spelt):
                        key = (end, spelt + len(read[index]))
                        if key not in best or best[key][0] < so_far + gains[index]:
                            best[key] = (so_far + gains[index], path + [index])
            for (boundary, spelt), (total, path) in best.items():
                if boundary == weighed["boundaries"] - 1 and (spelt not in new or new[spelt][0] < total):
                    new[spelt] = (total, paths + [path])
        states = new
    return states[len(written)][1] if len(written) in states else None


def path_terms(record: dict, paths: list) -> tuple[np.ndarray, dict]:
    """(the sum of each gain term over the pieces of ``paths``, {(cluster, piece): confidence})."""
    total, pieces = np.zeros(len(segment.GAIN_TERMS)), {}
    for number, (cluster, path) in enumerate(zip(record["clusters"], paths)):
        if path is not None:
            total += cluster["weighed"]["terms"][path].sum(axis=0)
            pieces.update({(number, index): float(cluster["weighed"]["outputs"][index].max()) for index in path})
    return total, pieces


def study(args: argparse.Namespace) -> None:
    rule = Classifier.load().model.rule
    with open(args.recording, "rb") as recording:
        records = pickle.load(recording)
    right = sum(r["read"] == r["written"] for r in records)
    replayed = sum(reading(rule, r, chosen_paths(r)) == r["read"] for r in records)  # as recorded
    scale = np.ones(len(segment.GAIN_TERMS))
    for setting in args.scale:
        name, _, factor = setting.rpartition("=")
        if name not in segment.GAIN_TERMS:
            raise SystemExit(f"piece_study.py: error: --scale: no term {name!r} (terms: {', '.join(segment.GAIN_TERMS)})")
        scale[segment.GAIN_TERMS.index(name)] = float(factor)
    for record in records:
        for cluster in record["clusters"]:
            if cluster["weighed"] is not None:
                cluster["weighed"]["terms"] = cluster["weighed"]["terms"] * scale
    gaps, least_sure, shown, spelt_right = [], [], 0, 0
    for record in records:
        chosen = chosen_paths(record)
        read = reading(rule, record, chosen)
        spelt_right += read == record["written"]
        if read == record["written"] or (paths := right_paths(rule, record)) is None:
            continue
        (chosen_total, chosen_pieces), (right_total, right_pieces) = path_terms(record, chosen), path_terms(record, paths)
        difference = right_total - chosen_total
        gaps.append(difference.sum())
        least_sure.append(min([c for key, c in right_pieces.items() if key not in chosen_pieces], default=1.0))
        if shown < args.show:
            shown += 1
            print(f"{record['family']} {record['written']} -> {read}: right path {difference.sum():+.2f}  "
                  + " ".join(f"{name} {value:+.2f}" for name, value in zip(segment.GAIN_TERMS, difference)
                             if abs(value) > 1e-9))
    gaps, least_sure = np.array(gaps), np.array(least_sure)
    print(f"\n{len(records)} numbers: {right} read right by read_number; the replay of the recording gives "
          f"{replayed} of its readings; the chosen paths spell {spelt_right} right, and {len(gaps)} misread ones "
          "have a right path")
    print("misread with a right path, by how much the right path scored less: "
          + ", ".join(f"within {limit}: {int((gaps > -limit).sum())}" for limit in (0.25, 0.5, 1.0, 2.0)))
    print("...by how surely its own pieces read (the least sure): "
          + ", ".join(f">= {level}: {int((least_sure >= level).sum())}" for level in (0.3, 0.5, 0.7)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    recording = commands.add_parser("record", help="read the numbers and pickle what was weighed")
    recording.add_argument("--data-dir", help="MNIST folder (default: $MNIST_APP_DATA or the cache)")
    recording.add_argument("--seeds", default="1,2,3", help="seeds of the number sets (default: 1,2,3)")
    recording.add_argument("--families", default="photo,canvas,thin", help="default: photo,canvas,thin")
    recording.add_argument("--numbers", type=int, default=100, help="numbers per family and seed (default: 100)")
    recording.add_argument("--out", required=True, help="the pickle to write")
    studying = commands.add_parser("study", help="compare chosen and right paths in a recording")
    studying.add_argument("recording", help="a pickle written by record")
    studying.add_argument("--show", type=int, default=40, help="misread numbers to print (default: 40)")
    studying.add_argument("--scale", action="append", default=[], metavar="TERM=FACTOR",
                          help="weigh a gain term FACTOR times as much, e.g. 'cut=0.8' (repeatable)")
    args = parser.parse_args()
    record(args) if args.command == "record" else study(args)


if __name__ == "__main__":
    main()
