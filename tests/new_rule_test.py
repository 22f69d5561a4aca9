#!/usr/bin/env python3
"""scripts/new-rule.py on a copy of this checkout (its tracked and untracked files, as git lists them):
a made-up rule gets its table row with the next free code of its category, a skeleton source, a doc page
with the fixed headings, a fixture pair and one new line in each rule index; a second run with the same
name, a taken name or alias, a bad name and an existing file are refused without writing anything.
Building the scaffolded copy is left out (too slow for the suite); CONTRIBUTING.md says what it shows."""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parent.parent
HEADINGS = ["## What it does", "## Why it is dangerous", "## Example", "## Use instead",
            "## When it is safe to ignore", "## References"]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def copy_checkout(to):
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=SOURCE, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = SOURCE / name
        if source.is_file():  # a deleted but not yet staged file is still listed
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)


def new_rule(root, *args):
    return subprocess.run([sys.executable, str(root / "scripts/new-rule.py"), *args],
                          cwd=root, capture_output=True, text=True)


def snapshot(root):
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def added_lines(before, after):
    old, new = before.splitlines(), after.splitlines()
    return [line for line in new if line not in old], [line for line in old if line not in new]


def codes_in_hundred(rules_def, hundred):
    return [int(c) for c in re.findall(r'^RULE\(\w+, "MS(\d{3})"', rules_def, re.M) if int(c) // 100 == hundred]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        copy_checkout(root)
        before = snapshot(root)
        rules_def = (root / "rules/rules.def").read_text()
        expected_code = "MS%03d" % (max(codes_in_hundred(rules_def, 9)) + 1)
        name, summary = "ban-made-up-thing", "A made-up thing (for the new-rule test) is \"risky\""

        run = new_rule(root, name, "--category", "schema-design", "--severity", "warning",
                       "--summary", summary + ".")
        check(run.returncode == 0, "first run failed: " + run.stderr)

        # The table row: one new row, after the category's last row, that parses as the rule.
        new_def = (root / "rules/rules.def").read_text()
        added, removed = added_lines(rules_def, new_def)
        check(not removed, "rules.def lost lines: %r" % removed)
        rows = re.findall(r'^RULE\(\w+, "MS\d{3}", "([\w-]+)"', new_def, re.M)
        check(rows.count(name) == 1 and len(added) == 2, "the rule has %d rows; added %r" % (rows.count(name), added))
        found = False
        for match in re.finditer(r'^RULE\((\w+), "(MS\d{3})", "([\w-]+)", (\w+), (\w+), (\w+), (\w+), "([\d.]+)",\n'
                                 r'\s+"((?:[^"\\]|\\.)*)", "([^"]*)"\)', new_def, re.M):
            if match.group(3) == name:
                found = True
                check(match.groups() == ("ban_made_up_thing", expected_code, name, "SchemaDesign", "Warning", "On",
                                         "false", match.group(8), summary.replace('"', '\\"'), ""),
                      "row fields: %r" % (match.groups(),))
                check(codes_in_hundred(new_def[:match.start()], 9) == codes_in_hundred(rules_def, 9),
                      "row is not after the category's last row")
        check(found, "the rule's row does not parse: %r" % added)

        # The skeleton source, the doc page and the fixtures.
        cpp = (root / "rules" / (name + ".cpp")).read_text()
        check("const RuleHooks hooks_ban_made_up_thing{check, nullptr, every_statement};" in cpp, "rules/%s.cpp: no hooks" % name)
        check("TODO(new-rule)" in cpp and "void check(const StatementView&" in cpp, "rules/%s.cpp: skeleton" % name)
        doc = (root / "docs/rules" / (name + ".md")).read_text()
        check(doc.startswith("# %s (%s)\n\nCategory: schema-design · Default severity: warning · Since: "
                             % (name, expected_code)), "doc header: %r" % doc[:120])
        check("\n%s.\n" % summary in doc, "doc: no summary line")
        positions = [doc.find("\n" + h + "\n") for h in HEADINGS]
        check(-1 not in positions and positions == sorted(positions), "doc headings: %r" % positions)
        check(doc.count("```sql\n") == 2, "doc: Example and Use instead need a sql block each")
        bad = (root / "fixtures/rules" / name / "bad.sql").read_text()
        good = (root / "fixtures/rules" / name / "good.sql").read_text()
        check(re.search(r"^-- expect: %s\n\S" % name, bad, re.M) is not None, "bad.sql: no expect line")
        check("-- expect:" not in good, "good.sql expects a finding")

        # The indexes: exactly one new line each, naming the rule and its code.
        for index, link in (("README.md", "docs/rules/%s.md" % name), ("docs/rules/README.md", "%s.md" % name)):
            added, removed = added_lines(before[pathlib.Path(index)].decode(), (root / index).read_text())
            check(removed == [] and len(added) == 1 and added[0].startswith(
                "| %s | [%s](%s) | schema-design | warning | - |" % (expected_code, name, link)),
                "%s: added %r, removed %r" % (index, added, removed))

        changed = {p for p, data in snapshot(root).items() if before.get(p) != data}
        check(changed == {pathlib.Path(p) for p in (
            "rules/rules.def", "README.md", "docs/rules/README.md", "rules/%s.cpp" % name,
            "docs/rules/%s.md" % name, "fixtures/rules/%s/bad.sql" % name, "fixtures/rules/%s/good.sql" % name)},
            "files changed: %s" % sorted(map(str, changed)))

        # Refusals leave the tree as it was.
        after = snapshot(root)
        (root / "fixtures/rules/left-over").mkdir()
        for args, reason in (
                ([name], "taken"),
                (["ban-drop-column"], "taken"),  # drop-column's alias
                (["Bad_Name"], "kebab-case"),
                (["all"], "reserved"),
                (["left-over"], "refusing to overwrite: fixtures/rules/left-over")):
            run = new_rule(root, *args, "--category", "locking", "--severity", "note", "--summary", "x")
            check(run.returncode == 2 and reason in run.stderr,
                  "%s: exit %d, %r" % (args[0], run.returncode, run.stderr))
        (root / "fixtures/rules/left-over").rmdir()
        check(snapshot(root) == after, "a refused run changed files")

    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if not failures:
        print("OK: new-rule scaffolds a rule and refuses to overwrite one")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
