#!/usr/bin/env python3
"""Scaffolds a new rule: its row in rules/rules.def, rules/NAME.cpp, docs/rules/NAME.md,
fixtures/rules/NAME/{bad,good}.sql, and the regenerated rule indexes (CONTRIBUTING.md walks
through the rest).

    scripts/new-rule.py NAME --category CATEGORY --severity SEVERITY --summary "..."

The skeleton builds and reports nothing. Every placeholder carries TODO(new-rule), and the test
suite fails until they are all replaced: the inventory test refuses the marker, bad.sql expects a
finding the skeleton does not produce, and the doc page's Example must fire the rule.
Nothing existing is overwritten: the script checks everything before it writes anything."""
import argparse
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import rule_index  # noqa: E402

MARKER = "TODO(new-rule)"
# rules.def's Category enumerators, by the name the CLI and docs use, with the hundred of their codes.
# Syntax and history findings come from the parser, the migration-set pass,
# not from a statement check, so they are not offered here.
CATEGORIES = {
    "locking": ("Locking", 1), "rewrite": ("Rewrite", 2), "transaction": ("Transaction", 3),
    "data-loss": ("DataLoss", 4), "compatibility": ("Compatibility", 5), "reversibility": ("Reversibility", 6),
    "idempotency": ("Idempotency", 8), "schema-design": ("SchemaDesign", 9),
}
ENUM_TO_CATEGORY = {enum: name for name, (enum, _) in CATEGORIES.items()}
ENUM_TO_CATEGORY.update({"Syntax": "syntax", "History": "history"})
SEVERITIES = {"note": "Note", "warning": "Warning", "error": "Error"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
ROW_START = re.compile(r"^RULE\(", re.M)
FIELDS = ("id", "code", "name", "category", "severity", "enabled", "fixable", "since", "summary", "aliases")


class Refused(Exception):
    pass


def split_arguments(text):
    """The comma-separated arguments of one RULE(...) row; returns them and where the row ends."""
    args, current, i, in_string = [], "", 0, False
    while True:
        c = text[i]
        if in_string:
            current += c
            if c == "\\":
                current += text[i + 1]
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string, current = True, current + c
        elif c == ",":
            args.append(current.strip())
            current = ""
        elif c == ")":
            args.append(current.strip())
            return args, i + 1
        else:
            current += c
        i += 1


def unquote(literal):
    # Adjacent literals ("a" "b") are one string in C++.
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', literal)).replace('\\"', '"').replace("\\\\", "\\")


def parse_rules(text):
    """Every row of rules.def as a dict (FIELDS), with `end`: the offset just after the row."""
    rows = []
    for m in ROW_START.finditer(text):
        args, length = split_arguments(text[m.end():])
        if len(args) != len(FIELDS):
            raise Refused("rules/rules.def: a RULE row at offset %d has %d fields, not %d" % (m.start(), len(args), len(FIELDS)))
        row = dict(zip(FIELDS, args))
        for key in ("code", "name", "since", "summary", "aliases"):
            row[key] = unquote(row[key])
        row["end"] = m.end() + length
        rows.append(row)
    return rows


def as_listed(row):
    """A rules.def row in the shape of `migrasafe rules --format json`, for rule_index."""
    return {"code": row["code"], "name": row["name"], "category": ENUM_TO_CATEGORY[row["category"]],
            "severity": row["severity"].lower(), "enabled_by_default": row["enabled"] == "On",
            "fixable": row["fixable"] == "true", "summary": row["summary"],
            "aliases": [a for a in row["aliases"].split(",") if a]}


def next_code(rows, hundred):
    used = [int(r["code"][2:]) for r in rows if int(r["code"][2:]) // 100 == hundred]
    number = max(used) + 1 if used else hundred * 100 + 1
    if number // 100 != hundred:
        raise Refused("no free code left in MS%d00-MS%d99" % (hundred, hundred))
    return "MS%03d" % number


def newest_since(rows):
    return max((r["since"] for r in rows), key=lambda v: tuple(int(p) for p in v.split(".")))


def cpp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table_row(rule):
    return ("RULE(%s, \"%s\", \"%s\", %s, %s, %s, false, \"%s\",\n     %s, \"\")\n" % (
        rule["id"], rule["code"], rule["name"], rule["category_enum"], rule["severity_enum"],
        "OptIn" if rule["opt_in"] else "On", rule["since"], cpp_string(rule["summary"])))


def rule_source(rule):
    return """#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// %(marker)s: %(name)s reports nothing yet, so the tests fail until this is written
// (bad.sql expects a finding). Declare the statement kinds the rule is about in its hooks
// below (e.g. {StmtKind::DropdbStmt}: the engine calls check for those only; every_statement
// when it must see all), then report, saying what goes wrong and what to do instead, e.g.
//   r.add(RuleId::%(id)s, v.stmt.begin, v.stmt.end, "what is wrong, naming the object",
//         "what to write instead");
// Read what analysis/ computed (v.effects: target, locks, rewrite, scan; v.ctx: the transaction
// and what the migration created) rather than re-deriving it; rules/helpers.h has the shared helpers.
void check(const StatementView& /*v*/, Report& /*r*/) {}

}  // namespace
const RuleHooks hooks_%(id)s{check, nullptr, every_statement};
}  // namespace migrasafe
""" % {"marker": MARKER, "name": rule["name"], "id": rule["id"]}


def doc_page(rule):
    severity = rule["severity"] + (" (opt-in)" if rule["opt_in"] else "")
    todo = MARKER + ": "
    return """# %(name)s (%(code)s)

Category: %(category)s · Default severity: %(severity)s · Since: %(since)s · Aliases: none

%(summary)s.

## What it does

%(todo)sthe statements this rule reports, and the cases it deliberately leaves alone.

## Why it is dangerous

%(todo)swhat happens on a production database: the lock taken and what it blocks, the rewrite or scan, the data lost.

## Example

```sql
-- %(todo)sa migration this rule reports (it must produce a %(name)s finding).
```

## Use instead

```sql
-- %(todo)sthe safe way to make the same change (it must produce no %(name)s finding).
```

## When it is safe to ignore

%(todo)swhen the finding does not matter (an empty table, a maintenance window, ...).

## References

- %(todo)sthe PostgreSQL documentation page for the statement.
""" % dict(rule, severity=severity, todo=todo)


def bad_fixture(rule):
    return ("-- %s: statements %s must report, each under an expect comment naming the rule.\n"
            "-- expect: %s\nSELECT 1;\n" % (MARKER, rule["name"], rule["name"]))


def good_fixture(rule):
    return ("-- %s: statements close to bad.sql's that %s must not report (no expect comments).\n"
            "SELECT 1;\n" % (MARKER, rule["name"]))


def scaffold(root, name, category, severity, summary, opt_in=False, since=None):
    root = pathlib.Path(root)
    definitions = root / "rules/rules.def"
    text = definitions.read_text()
    rows = parse_rules(text)

    if not NAME_PATTERN.match(name):
        raise Refused("%s: a rule name is kebab-case (lower-case words joined by '-')" % name)
    if name == "all":
        raise Refused("all is reserved: `--select all` means every rule")
    for row in rows:
        aliases = row["aliases"].split(",")
        if name == row["name"] or name in aliases:
            raise Refused("%s is taken: %s (%s)%s" % (name, row["name"], row["code"],
                                                     " lists it as an alias" if name != row["name"] else ""))
    summary = summary.strip().rstrip(".")
    if not summary or "\n" in summary:
        raise Refused("the summary is one line of text (it is the rule's one-line description everywhere)")

    category_enum, hundred = CATEGORIES[category]
    rule = {"name": name, "id": name.replace("-", "_"), "code": next_code(rows, hundred),
            "category": category, "category_enum": category_enum, "severity": severity,
            "severity_enum": SEVERITIES[severity], "opt_in": opt_in, "summary": summary,
            "since": since or newest_since(rows)}

    files = {
        root / "rules" / (name + ".cpp"): rule_source(rule),
        root / "docs/rules" / (name + ".md"): doc_page(rule),
        root / "fixtures/rules" / name / "bad.sql": bad_fixture(rule),
        root / "fixtures/rules" / name / "good.sql": good_fixture(rule),
    }
    existing = [str(p.relative_to(root)) for p in list(files) + [root / "fixtures/rules" / name] if p.exists()]
    if existing:
        raise Refused("refusing to overwrite: " + ", ".join(existing))

    # The new row goes after the last row of its category, so the table stays grouped.
    last = [r for r in rows if r["category"] == category_enum][-1:] or rows[-1:]
    at = text.index("\n", last[0]["end"]) + 1 if last else len(text)
    text = text[:at] + table_row(rule) + text[at:]
    definitions.write_text(text)
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    rule_index.write_indexes(root, [as_listed(r) for r in parse_rules(text)])
    return rule, sorted(str(p.relative_to(root)) for p in files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="kebab-case rule name, e.g. drop-trigger")
    parser.add_argument("--category", required=True, choices=sorted(CATEGORIES))
    parser.add_argument("--severity", required=True, choices=sorted(SEVERITIES))
    parser.add_argument("--summary", required=True, help="one line: what the rule reports and why it matters")
    parser.add_argument("--opt-in", action="store_true", help="the rule runs only when selected")
    parser.add_argument("--since", help="release that introduces the rule (default: the newest in rules.def)")
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent),
                        help="checkout to write into (default: this one)")
    args = parser.parse_args()
    try:
        rule, written = scaffold(args.root, args.name, args.category, args.severity, args.summary,
                                 args.opt_in, args.since)
    except Refused as e:
        print("new-rule: " + str(e), file=sys.stderr)
        return 2
    print("added %s (%s) to rules/rules.def; wrote %s; regenerated docs/rules/README.md and README.md's rules table"
          % (rule["name"], rule["code"], ", ".join(written)))
    print("next: replace every %s (grep -rn '%s' rules docs fixtures), then build and run the tests"
          % (MARKER, MARKER))
    return 0


if __name__ == "__main__":
    sys.exit(main())
