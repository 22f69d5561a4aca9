#!/usr/bin/env python3
"""CTest `corpus-labels`: migrasafe's findings on the real-migration corpus against labels.tsv.

Runs tests/corpus/collect.py (one `migrasafe check --format json` per corpus project) and compares
its findings with the labelled sample in tests/corpus/labels.tsv, matching on (project, path, line,
rule). It fails when a finding labelled FP or noise is still reported at its labelled severity (or
a higher one), or when a finding labelled TP is no longer reported, and lists each one with its
reason. A labelled FP or noise finding now reported at a lower severity (its claim narrowed, e.g. an
error become a hedged warning) is listed as downgraded, not a failure. Findings listed in
known_open.tsv (labelled FP or noise, not fixed yet, each with why) are listed but do not fail the
test; one of them no longer reported is listed as fixed, to be removed from that file. It prints per-rule precision of the
labelled findings the binary still reports (TP / (TP + FP + noise)) and the false-positive rate
among errors and warnings, both over the sample and weighted by how often each rule fires on the
corpus (the sample is stratified by rule, so the raw sample rate over-weights rare rules).

Usage: tests/corpus/labels_test.py MIGRASAFE_BIN [--report] [--labels FILE] [--findings FILE]
  --report    print the per-rule table as Markdown (for the README) and exit 0
  --findings  use this collect.py output instead of running migrasafe
Exit codes: 0 pass (or --report), 1 fail, 2 usage error or bad labels file, 77 corpus missing and
MIGRASAFE_ALLOW_NO_CORPUS=1 (a CTest skip).
"""
import argparse
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import collect  # noqa: E402

VERDICTS = ("TP", "FP", "noise")
KNOWN_OPEN = Path(__file__).resolve().parent / "known_open.tsv"
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


class Label:
    def __init__(self, fields, where):
        self.project, self.path, line, self.rule, self.severity, self.verdict, self.reason = fields
        if self.verdict not in VERDICTS:
            raise ValueError(f"{where}: verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")
        if self.severity not in SEVERITY_ORDER:
            raise ValueError(f"{where}: severity {self.severity!r} is not error, warning or note")
        if not self.path.startswith(self.project + "/"):
            raise ValueError(f"{where}: path {self.path!r} is not under project {self.project!r}")
        self.line = int(line)

    @property
    def key(self):
        return (self.project, self.path, self.line, self.rule)


def read_labels(path):
    labels, seen = [], set()
    for number, text in enumerate(open(path, encoding="utf-8"), 1):
        text = text.rstrip("\n")
        if not text.strip() or text.startswith("#"):
            continue
        fields = text.split("\t")
        where = f"{path}:{number}"
        if len(fields) != 7:
            raise ValueError(f"{where}: {len(fields)} tab-separated columns, expected 7")
        label = Label(fields, where)
        if label.key in seen:
            raise ValueError(f"{where}: {label.key} is labelled twice")
        seen.add(label.key)
        labels.append(label)
    return labels


def read_known_open(path):
    """Keys (project, path, line, rule) of labelled FP/noise findings not fixed yet."""
    keys = set()
    for text in open(path, encoding="utf-8"):
        if text.startswith("#") or not text.strip():
            continue
        project, file, line, rule = text.rstrip("\n").split("\t")[:4]
        keys.add((project, file, int(line), rule))
    return keys


def read_findings(path):
    return [tuple(line.rstrip("\n").split("\t")) for line in open(path, encoding="utf-8") if line.strip()]


def rule_table(labels, reported, fired):
    """Per rule: counts of the labelled findings still reported (also per project, for the weighted
    rates), and what changed since labelling. fired counts findings per (rule, project)."""
    table = {}
    for label in labels:
        row = table.setdefault(label.rule, collections.Counter(severity=0))
        row.setdefault("projects", collections.defaultdict(collections.Counter))
        row["severity"] = min(row["severity"] or 9, SEVERITY_ORDER[label.severity] + 1)
        row["labelled"] += 1
        # A FP or noise finding reported at a lower severity than labelled counts as fixed (downgraded).
        if label.key in reported and (label.verdict == "TP" or reported[label.key] <= SEVERITY_ORDER[label.severity]):
            row[label.verdict] += 1
            row["projects"][label.project][label.verdict] += 1
        elif label.verdict == "TP":
            row["lost"] += 1
        else:
            row["fixed"] += 1
    for rule, row in table.items():
        row["fired_by_project"] = {p: n for (r, p), n in fired.items() if r == rule}
        row["fired"] = sum(row["fired_by_project"].values())
        row["judged"] = row["TP"] + row["FP"] + row["noise"]
    return table


def weighted(row, verdict):
    """The expected number of `verdict` findings among all the rule reports on the corpus: each
    project's findings count at the rate of that project's labels, or of the rule's labels when
    none of that project's findings are labelled (the sample spreads over projects instead of
    following their share)."""
    total = 0.0
    for project, n in row["fired_by_project"].items():
        labels = row["projects"].get(project)
        judged = sum(labels.values()) if labels else 0
        source = labels if judged else row
        total += n * source[verdict] / (judged or row["judged"])
    return total


def pct(part, whole):
    return f"{100.0 * part / whole:.0f}%" if whole else "-"


def severity_name(row):
    return {1: "error", 2: "warning", 3: "note"}[row["severity"]]


def rates(table, severities):
    """(FP, noise, judged, weighted FP rate, weighted noise rate) over the rules of these severities
    (1 error, 2 warning, 3 note); the weighted rates estimate the rates over every finding the rules
    report on the corpus (see weighted)."""
    rows = [r for r in table.values() if r["severity"] in severities and r["judged"]]
    judged = sum(r["judged"] for r in rows)
    weight = sum(r["fired"] for r in rows)
    w_fp = sum(weighted(r, "FP") for r in rows)
    w_noise = sum(weighted(r, "noise") for r in rows)
    return (sum(r["FP"] for r in rows), sum(r["noise"] for r in rows), judged,
            w_fp / weight if weight else 0.0, w_noise / weight if weight else 0.0)


RATE_GROUPS = (("errors and warnings", (1, 2)), ("errors", (1,)), ("warnings", (2,)))


def rate_lines(table):
    lines = []
    for name, severities in RATE_GROUPS:
        fp, noise, judged, w_fp, w_noise = rates(table, severities)
        lines.append(f"{name}: false positives {fp}/{judged} = {pct(fp, judged)} of the sample "
                     f"({100 * w_fp:.0f}% weighted to the corpus), noise {noise}/{judged} = "
                     f"{pct(noise, judged)} ({100 * w_noise:.0f}% weighted)")
    return lines


def ordered(table):
    return sorted(table.items(), key=lambda kv: (kv[1]["severity"], kv[0]))


def print_text(table):
    print(f"{'rule':36} {'severity':8} {'fired':>6} {'judged':>6} {'TP':>4} {'FP':>4} {'noise':>5} "
          f"{'precision':>9} {'noise%':>6} {'fixed':>5} {'lostTP':>6}")
    for rule, r in ordered(table):
        print(f"{rule:36} {severity_name(r):8} {r['fired']:6} {r['judged']:6} {r['TP']:4} {r['FP']:4} "
              f"{r['noise']:5} {pct(r['TP'], r['judged']):>9} {pct(r['noise'], r['judged']):>6} "
              f"{r['fixed']:5} {r['lost']:6}")
    tp = sum(r["TP"] for r in table.values())
    total = sum(r["judged"] for r in table.values())
    print(f"\noverall precision of the sample: {tp}/{total} = {pct(tp, total)}")
    for line in rate_lines(table):
        print(line)
    worst = [rule for rule, r in table.items() if r["judged"] and r["noise"] / r["judged"] > 0.15]
    print(f"rules above 15% noise: {', '.join(sorted(worst)) or 'none'}")


def print_markdown(table):
    print("| rule | severity | findings on the corpus | labelled | TP | FP | noise | gone or downgraded | precision |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for rule, r in ordered(table):
        print(f"| {rule} | {severity_name(r)} | {r['fired']} | {r['labelled']} | {r['TP']} | {r['FP']} | "
              f"{r['noise']} | {r['fixed'] + r['lost']} | {pct(r['TP'], r['judged'])} |")
    tp = sum(r["TP"] for r in table.values())
    total = sum(r["judged"] for r in table.values())
    print(f"| **all rules** | | {sum(r['fired'] for r in table.values())} | "
          f"{sum(r['labelled'] for r in table.values())} | {tp} | {sum(r['FP'] for r in table.values())} | "
          f"{sum(r['noise'] for r in table.values())} | "
          f"{sum(r['fixed'] + r['lost'] for r in table.values())} | {pct(tp, total)} |")
    print()
    for line in rate_lines(table):
        print(f"- {line[0].upper()}{line[1:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", help="the migrasafe binary (not needed with --findings)")
    parser.add_argument("--report", action="store_true", help="print the per-rule table as Markdown")
    parser.add_argument("--labels", default=str(Path(__file__).resolve().parent / "labels.tsv"))
    parser.add_argument("--findings", help="a collect.py output to use instead of running migrasafe")
    args = parser.parse_args()
    try:
        labels = read_labels(args.labels)
    except (OSError, ValueError) as e:
        print(f"labels_test: {e}", file=sys.stderr)
        return 2

    if args.findings:
        findings = read_findings(args.findings)
    else:
        if not args.binary:
            parser.error("give the migrasafe binary or --findings")
        corpus = collect.corpus_dir(None)
        if corpus is None:
            print("labels_test: corpus not found (set MIGRASAFE_CORPUS to its directory)", file=sys.stderr)
            if os.environ.get("MIGRASAFE_ALLOW_NO_CORPUS") == "1":
                print("labels_test: SKIP (MIGRASAFE_ALLOW_NO_CORPUS=1)")
                return collect.SKIP
            return 1
        missing = sorted({l.project for l in labels if not (corpus / l.project).is_dir()})
        if missing:
            print(f"labels_test: FAIL the corpus at {corpus} lacks labelled projects: {', '.join(missing)}")
            return 1
        findings, errors = collect.collect(os.path.abspath(args.binary), corpus)
        if errors:
            for e in errors:
                print(f"labels_test: FAIL {e}")
            return 1

    # The most severe report of each key.
    reported = {}
    for f in findings:
        key = (f[0], f[1], int(f[2]), f[3])
        reported[key] = min(reported.get(key, 9), SEVERITY_ORDER[f[4]])
    fired = collections.Counter((f[3], f[0]) for f in findings)
    table = rule_table(labels, reported, fired)
    if args.report:
        print_markdown(table)
        return 0

    print(f"labels_test: {len(findings)} findings reported, {len(labels)} labelled "
          f"({sum(l.verdict == 'TP' for l in labels)} TP, {sum(l.verdict == 'FP' for l in labels)} FP, "
          f"{sum(l.verdict == 'noise' for l in labels)} noise)\n")
    print_text(table)
    known_open = read_known_open(KNOWN_OPEN)
    wrong = [l for l in labels if l.verdict != "TP" and reported.get(l.key, 9) <= SEVERITY_ORDER[l.severity]]
    still = [l for l in wrong if l.key not in known_open]
    open_ = [l for l in wrong if l.key in known_open]
    fixed_open = [l for l in labels if l.key in known_open and l not in wrong]
    downgraded = [l for l in labels if l.verdict != "TP" and SEVERITY_ORDER[l.severity] < reported.get(l.key, -1) < 9]
    lost = [l for l in labels if l.verdict == "TP" and l.key not in reported]
    for title, group in (("labelled FP or noise, reported at a lower severity now", downgraded),
                         ("known open (tests/corpus/known_open.tsv): labelled FP or noise, not fixed yet", open_),
                         ("in known_open.tsv but fixed now: remove them from that file", fixed_open),
                         ("labelled FP or noise, still reported", still), ("labelled TP, no longer reported", lost)):
        if group:
            print(f"\n{title} ({len(group)}):")
            for l in sorted(group, key=lambda l: (SEVERITY_ORDER[l.severity], l.rule, l.path, l.line)):
                print(f"  {l.path}:{l.line}: {l.rule} [{l.verdict}] {l.reason}")
    if still or lost:
        print(f"\nlabels_test: FAILED ({len(still)} FP/noise still reported, {len(lost)} TP lost)")
        return 1
    print(f"\nlabels_test: OK ({len(open_)} known open, {len(downgraded)} downgraded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
