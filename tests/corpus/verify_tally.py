#!/usr/bin/env python3
"""`migrasafe verify` over every corpus project, tallied: the table in README.md ("Verify on the corpus").

Each project is verified the way its team would run it: from inside the project directory, on the
whole directory (`migrasafe verify --format json .`, default --rows 1000), against a throwaway
PostgreSQL cluster that verify starts itself (--pg-bin, default: verify's own search). A project
whose migrations cannot run on a plain PostgreSQL 15 (Go templates, a schema snapshot, roles and
schemas that the project's own image or code creates) is still run, and the tally says why it
stopped: the first failure verify reports.

Output: one Markdown table row per project and a total line:
    project | applied | observed / sampled | lock / rewrite / scan / tx | failed | down: schema / data | stopped by
"lock" counts verify-lock-mismatch findings (static effects against pg_locks), and so on. With
--details, every lock disagreement is printed after the table.

Usage: tests/corpus/verify_tally.py MIGRASAFE_BIN [--corpus DIR] [--pg-bin DIR] [--only PROJECT ...] [--details]
Exit codes: 0 tallied, 1 a run crashed or printed no JSON, 77 no corpus (MIGRASAFE_ALLOW_NO_CORPUS=1), 2 usage.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 1800
MISMATCHES = ("verify-lock-mismatch", "verify-rewrite-mismatch", "verify-scan-mismatch", "verify-transaction-mismatch")


def corpus_dir(explicit):
    repo = Path(__file__).resolve().parents[2]
    path = Path(explicit or os.environ.get("MIGRASAFE_CORPUS") or repo.parent / "shared" / "corpus")
    return path.resolve() if path.is_dir() else None


def tally(binary, project, pg_bin):
    cmd = [binary, "verify", "--format", "json", "."] + (["--pg-bin", pg_bin] if pg_bin else [])
    r = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"{project.name}: exit {r.returncode}: {r.stderr.strip()[:500]}")
    report = json.loads(r.stdout)
    # check's document: findings per file, named by rule; the observations per script beside them.
    findings = [dict(f, path=file["path"]) for file in report["files"] for f in file["findings"]]
    checks = collections.Counter(f["rule"] for f in findings)
    statements = [s for script in report["scripts"] for s in script["statements"]]
    observed = sum(1 for s in statements if s.get("observed"))
    sampled = sum(1 for s in statements if s.get("sampled"))
    failures = [f for f in findings if f["rule"] in ("verify-statement-failed", "verify-reapply-failed")]
    applied = report["summary"]["migrations_applied"]
    if failures:
        first = failures[0]
        stopped = f"{first['path']}:{first['line']}: {first['message']}"
    else:
        stopped = "(all applied)" if applied else "; ".join(report.get("notes", [])[:1]) or "nothing to apply"
    return {
        "applied": applied,
        "observed": observed,
        "sampled": sampled,
        "mismatch": [checks[c] for c in MISMATCHES],
        "failed": len(failures),
        "down": (checks["verify-down-incomplete"], checks["verify-rows-not-restored"] + checks["verify-values-not-restored"]),
        "stopped": stopped.replace("|", "\\|").replace("\n", " ")[:160],
        "locks": [f"{f['path']}:{f['line']}: {f['message']}" for f in findings if f["rule"] == MISMATCHES[0]],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--corpus")
    ap.add_argument("--pg-bin")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--details", action="store_true")
    args = ap.parse_args()
    corpus = corpus_dir(args.corpus)
    if not corpus:
        if os.environ.get("MIGRASAFE_ALLOW_NO_CORPUS") == "1":
            return 77
        print("no corpus directory", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.binary)
    projects = sorted(p for p in corpus.iterdir() if p.is_dir() and (not args.only or p.name in args.only))
    print("| project | applied | observed / sampled | lock / rewrite / scan / tx | failed | down: schema / data | stopped by |")
    print("|---|---|---|---|---|---|---|")
    total = collections.Counter()
    details = []
    for project in projects:
        try:
            t = tally(binary, project, args.pg_bin)
        except (RuntimeError, json.JSONDecodeError, subprocess.TimeoutExpired) as e:
            print(f"{project.name}: {e}", file=sys.stderr)
            return 1
        print(f"| {project.name} | {t['applied']} | {t['observed']} / {t['sampled']} | "
              f"{' / '.join(map(str, t['mismatch']))} | {t['failed']} | {t['down'][0]} / {t['down'][1]} | {t['stopped']} |",
              flush=True)
        total.update(applied=t["applied"], observed=t["observed"], sampled=t["sampled"], lock=t["mismatch"][0],
                     rewrite=t["mismatch"][1], scan=t["mismatch"][2], tx=t["mismatch"][3])
        details += [f"{project.name}: {line}" for line in t["locks"]]
    print(f"\nTotal: {total['applied']} migrations applied, {total['observed']} statements observed, "
          f"{total['sampled']} sampled; {total['lock']} lock, {total['rewrite']} rewrite, {total['scan']} scan and "
          f"{total['tx']} transaction disagreements.")
    if args.details and details:
        print("\nLock disagreements:\n" + "\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
