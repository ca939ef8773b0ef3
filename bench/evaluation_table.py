#!/usr/bin/env python3
"""The inference-quality table of docs/reasoning.md: every held-out set and CSA's gap analyses as gold.

    PYTHONPATH=server CONTROLGRAPH_REFERENCE=../shared/reference .venv/bin/python bench/evaluation_table.py \
        [--json OUT.json]

The same figures as ``controlgraph evaluate --hold-out SET ... --gold FILE ...`` on a build of the
shipped data (the command reads the mappings and texts from the store; this reads them from the
shipped files, which give the same ones): the twelve published sets the docs list held out, and
CSA's CCM v4.0.12 mappings to NIST CSF 1.1, ISO/IEC 27001:2013 and 27002:2013 written as CSV pairs
in a temporary folder (read from the reference folder for the measurement only, never shipped).
Prints one line per target: naive two-hop through the best pivot, P/R/F1 at the operating threshold
(chosen leave-one-set-out without the target) and at the best cut in hindsight, average precision,
largest calibration gap over bins of 20+ pairs, Brier score, and the margins over naive.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from pathlib import Path

from controlgraph.analysis.evaluation import EvaluationReport, evaluate, evaluate_gold
from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.importers.ccm_references import reference_pairs
from controlgraph.importers.gold_sets import read_gold
from controlgraph.reasoning.inputs import asserted_mappings, control_texts, shared_graphs
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.settings import Settings

HELD_OUT = [
    "nist-csf-1.1--iso27001-2022", "nist-csf-2.0--iso27001-2022--olir", "nist-csf-1.1--nist-csf-2.0",
    "iso27002-2013--iso27002-2022", "csa-ccm-4--iso27002-2022--curated", "gdpr--nist-csf-2.0--curated",
    "csa-ccm-4--nist-csf-2.0--olir", "gdpr--iso27002-2022--curated", "iso27018-2019--iso27002-2022--curated",
    "iso27018-2019--gdpr--curated", "iso27017-2015--iso27002-2022--curated", "iso27001-2013--iso27001-2022",
]
# (file name, CCM mappings folder, target framework kept)
GOLD = [
    ("ccm-csf-1.1.csv", "NIST_CSF_v1.1", "nist-csf-1.1"),
    ("ccm-27001-2013.csv", "ISO27001_02-17-18", "iso27001-2013"),
    ("ccm-27002-2013.csv", "ISO27001_02-17-18", "iso27002-2013"),
    ("ccm-27017-2015.csv", "ISO27001_02-17-18", "iso27017-2015"),
    ("ccm-27018-2019.csv", "ISO27001_02-17-18", "iso27018-2019"),
]


def ccm_gold(reference: Path, folder: str, slug: str, out: Path) -> Path:
    """CSA's CCM references of one folder to one framework, as a CSV of pairs."""
    pairs = reference_pairs(reference / "csa-ccm-4.0.12" / "json-dataset" / "CCM" / "mappings" / folder, slug)
    with out.open("w", newline="") as handle:
        csv.writer(handle).writerows([("subject", "object"), *pairs])
    return out


def line(r: EvaluationReport) -> str:
    if not r.inferred.found:
        return f"| {r.held_out} ({r.held_out_pairs}) | nothing reachable without the set |"
    rk, naive = r.ranking, r.best_naive
    pivot = next((k for k, v in r.naive_by_pivot.items() if v == naive and v.found), "")
    op, best = rk.at_default, rk.at_best
    return (f"| {r.held_out} ({r.held_out_pairs}) | {naive.precision:.2f} / {naive.recall:.2f} / {naive.f1:.2f}"
            f"{f' ({pivot})' if pivot else ''} | {op.precision:.2f} / {op.recall:.2f} / {op.f1:.2f} "
            f"({rk.default_threshold:.2f}) | {best.precision:.2f} / {best.recall:.2f} / {best.f1:.2f} "
            f"({rk.best_threshold:.2f}) | {rk.average_precision:.2f}, {rk.max_calibration_gap:.2f} / {rk.brier:.3f} "
            f"| {op.f1 - naive.f1:+.2f} / {best.f1 - naive.f1:+.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the reports as `evaluate --format json` does")
    args = parser.parse_args()
    reference = Path(os.environ.get("CONTROLGRAPH_REFERENCE", "../shared/reference"))
    triples = shared_graphs(load_files(shipped_datasets(data_root(Settings().data_dir))).graphs())
    edges = asserted_mappings(triples)
    titles, statements, parents = control_texts(triples)
    texts = texts_from(titles, statements)
    reports = [evaluate(edges, h, texts=texts, parent_of=parents.get) for h in HELD_OUT]
    known = set(titles) | {e.subject for e in edges} | {e.object for e in edges}
    with tempfile.TemporaryDirectory() as folder:
        for name, source, slug in GOLD:
            gold = read_gold(ccm_gold(reference, source, slug, Path(folder) / name), known)
            reports.append(evaluate_gold(edges, gold.pairs, name, texts=texts, parent_of=parents.get))
    print("| gold (pairs) | naive, best pivot P / R / F1 | operating cut P / R / F1 (cut) | best cut P / R / F1 (cut) "
          "| AP, gap / Brier | operating - naive / best - naive |")
    print("|---|---|---|---|---|---|")
    for r in reports:
        print(line(r))
    if args.json:
        args.json.write_text(json.dumps([r.to_json() for r in reports], indent=2))


if __name__ == "__main__":
    main()
