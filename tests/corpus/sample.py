#!/usr/bin/env python3
"""Draws the stratified sample that labels.tsv was built from, out of a collect.py output.

Every rule that fires gets a quota by its severity and how often it fires: error rules 15 when they
fire over 100 times, else 10 (all of them when they fire 10 times or fewer); warning rules 10 over 100
times, 7 over 30, else up to 5; note rules 5 over 300 times, 3 over 20, else up to 2. Within a rule the draw goes round-robin over the projects in a
shuffled order, picking a random finding of each, so one large project does not fill the quota.
The shuffles use a fixed seed, so the same findings give the same sample, and a larger quota only
adds findings after the ones a smaller quota drew.

Usage: tests/corpus/sample.py FINDINGS.tsv [--seed N] [--unlabelled labels.tsv]
  --unlabelled: leave out findings that labels.tsv already judges (to extend the sample after the
  analysis changed).
Output: the sampled findings, in collect.py's format, grouped by rule.
"""
import argparse
import collections
import random

SEED = 10


def quota(severity, fired):
    if severity == "error":
        return 15 if fired > 100 else min(fired, 10)
    if severity == "warning":
        return 10 if fired > 100 else 7 if fired > 30 else min(fired, 5)
    return 5 if fired > 300 else 3 if fired > 20 else min(fired, 2)


def draw(findings, seed=SEED):
    rng = random.Random(seed)
    by_rule = collections.defaultdict(list)
    for f in findings:
        by_rule[f[3]].append(f)
    sample = []
    for rule, found in sorted(by_rule.items()):
        wanted = quota(found[0][4], len(found))
        by_project = collections.defaultdict(list)
        for f in found:
            by_project[f[0]].append(f)
        for project in by_project:
            rng.shuffle(by_project[project])
        order = sorted(by_project)
        rng.shuffle(order)
        picked = []
        while len(picked) < wanted:
            for project in order:
                if by_project[project] and len(picked) < wanted:
                    picked.append(by_project[project].pop())
        sample.extend(picked)
    return sample


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("findings", help="output of tests/corpus/collect.py")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--unlabelled", metavar="LABELS", help="skip findings labelled in this file")
    args = parser.parse_args()
    findings = [line.rstrip("\n").split("\t") for line in open(args.findings, encoding="utf-8") if line.strip()]
    if args.unlabelled:
        labelled = {tuple(line.split("\t")[:4]) for line in open(args.unlabelled, encoding="utf-8")
                    if line.strip() and not line.startswith("#")}
        findings = [f for f in findings if tuple(f[:4]) not in labelled]
    for f in draw(findings, args.seed):
        print("\t".join(f))


if __name__ == "__main__":
    main()
