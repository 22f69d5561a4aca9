#!/usr/bin/env python3
"""Every finding migrasafe reports on the real-migration corpus, one line each.

The corpus is ${MIGRASAFE_CORPUS:-<repo>/../shared/corpus}: one top-level directory per project. Each
project is checked the way its team would run migrasafe: once, from inside the project directory, on
the whole directory (`migrasafe check --format json .`), so its migration layout and its history (the
schema replayed from earlier migrations) apply. A project whose migrations are written for a newer
PostgreSQL than the default target gets the `--pg-version` its team would put in .migrasafe.toml
(PROJECT_OPTIONS): lemmy's migrations use PostgreSQL 16 and 18 syntax (pg_dump 18 output).

Output (stdout, or -o FILE): tab-separated, sorted, one finding a line:
    project  path  line  rule  severity  message
where path is relative to the corpus and starts with the project directory (kestra/jdbc-postgres/...).
Tabs and line breaks in messages become spaces.

Usage: tests/corpus/collect.py MIGRASAFE_BIN [-o FILE] [--corpus DIR]
Exit codes: 0 collected, 1 a project could not be checked (bad exit code, internal error, bad JSON),
77 the corpus is missing and MIGRASAFE_ALLOW_NO_CORPUS=1 (a CTest skip), 2 usage error.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 120
SKIP = 77
# What the project's own configuration would say (the corpus holds only .sql files).
PROJECT_OPTIONS = {"lemmy": ["--pg-version", "18"]}


def corpus_dir(explicit):
    """The corpus directory, or None when it does not exist."""
    repo = Path(__file__).resolve().parents[2]
    path = Path(explicit or os.environ.get("MIGRASAFE_CORPUS") or repo.parent / "shared" / "corpus")
    return path.resolve() if path.is_dir() else None


def projects(corpus):
    return sorted(p for p in corpus.iterdir() if p.is_dir())


def check_project(binary, project):
    """(findings, error): the project's findings as tuples, or an error message."""
    try:
        run = subprocess.run([binary, "check", "--format", "json", *PROJECT_OPTIONS.get(project.name, []), "."], cwd=project,
                             capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_SECONDS}s"
    if run.returncode not in (0, 1):
        return None, f"exit code {run.returncode}: {run.stderr.strip()[:500]}"
    if "internal error" in run.stderr:
        return None, f"internal error: {run.stderr.strip()[:500]}"
    try:
        files = json.loads(run.stdout)["files"]
    except (ValueError, KeyError, TypeError) as e:
        return None, f"the JSON report does not parse: {e!r}"
    found = []
    for file in files:
        relative = os.path.normpath(os.path.join(project.name, file["path"]))
        for f in file.get("findings", []):
            message = " ".join(str(f.get("message", "")).split())
            found.append((project.name, relative, int(f["line"]), f["rule"], f["severity"], message))
    return found, None


def collect(binary, corpus):
    """(findings, errors) over every project of the corpus."""
    findings, errors = [], []
    for project in projects(corpus):
        found, error = check_project(binary, project)
        if error:
            errors.append(f"{project.name}: {error}")
        else:
            findings.extend(found)
    findings.sort(key=lambda f: (f[0], f[1], f[2], f[3], f[5]))
    return findings, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", help="the migrasafe binary")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    parser.add_argument("--corpus", help="corpus directory (default: $MIGRASAFE_CORPUS or ../shared/corpus)")
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    if corpus is None:
        print("collect: corpus not found (set MIGRASAFE_CORPUS to its directory)", file=sys.stderr)
        return SKIP if os.environ.get("MIGRASAFE_ALLOW_NO_CORPUS") == "1" else 1
    findings, errors = collect(os.path.abspath(args.binary), corpus)
    for e in errors:
        print(f"collect: FAIL {e}", file=sys.stderr)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    for f in findings:
        out.write("\t".join(map(str, f)) + "\n")
    if args.output:
        out.close()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
