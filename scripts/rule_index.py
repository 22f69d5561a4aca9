"""Writes the rule indexes from a list of rules (the shape `migrasafe rules --format json` prints):
docs/rules/README.md, and the rules table in README.md between its rules-table markers.
Used by scripts/gen-rule-index.sh (rules from the binary) and scripts/new-rule.py (rules from rules.def)."""
import json
import os
import pathlib
import sys


def severity(r):
    return r["severity"] + ("" if r["enabled_by_default"] else " (opt-in)")


def fix(r):
    return "yes" if r["fixable"] else "-"


def write_indexes(root, rules):
    root = pathlib.Path(root)
    rules = sorted(rules, key=lambda r: r["code"])
    index = ["# Rules", "",
             "Generated from `rules/rules.def` by `scripts/gen-rule-index.sh`; do not edit by hand.", "",
             "Each page says what the rule checks, why it is dangerous, an example, the safe alternative and when",
             "it is safe to ignore (`migrasafe rule NAME` prints it). Rule names, `MSnnn` codes and the listed",
             "aliases (other tools' rule names) are accepted by `--select`, `--ignore`, the configuration and",
             "ignore comments. Opt-in rules run only when selected or given a severity in the configuration.", "",
             "| code | rule | category | severity | fix | aliases | summary |", "|---|---|---|---|---|---|---|"]
    for r in rules:
        index.append("| %s | [%s](%s.md) | %s | %s | %s | %s | %s |" % (
            r["code"], r["name"], r["name"], r["category"], severity(r), fix(r),
            ", ".join(r["aliases"]) or "-", r["summary"]))
    (root / "docs/rules/README.md").write_text("\n".join(index) + "\n")

    begin, end = "<!-- rules-table:begin -->", "<!-- rules-table:end -->"
    table = [begin, "| code | rule | category | severity | fix |", "|---|---|---|---|---|"]
    for r in rules:
        table.append("| %s | [%s](docs/rules/%s.md) | %s | %s | %s |" % (
            r["code"], r["name"], r["name"], r["category"], severity(r), fix(r)))
    table.append(end)
    readme = (root / "README.md").read_text()
    head, rest = readme.split(begin, 1)
    _, tail = rest.split(end, 1)
    (root / "README.md").write_text(head + "\n".join(table) + tail)


if __name__ == "__main__":
    # python3 scripts/rule_index.py ROOT, with the rules' JSON in $RULES_JSON.
    write_indexes(sys.argv[1], json.loads(os.environ["RULES_JSON"]))
