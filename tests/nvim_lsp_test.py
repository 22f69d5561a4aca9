#!/usr/bin/env python3
"""Neovim (Debian's, headless) as a real client of `migrasafe lsp` on a copy of examples/:
the diagnostics it receives are `migrasafe check`'s findings, hover shows the statement's locks,
and the quick fix it applies leaves the expected text in the buffer (and the file)."""
import json, os, shutil, subprocess, sys, tempfile

binary = os.path.abspath(sys.argv[1])
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
nvim = shutil.which("nvim")
if not nvim:
    print("nvim_lsp_test: skipped: nvim is not installed (scripts/setup-deps.sh --test installs neovim)")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    workspace = os.path.join(tmp, "examples")
    shutil.copytree(os.path.join(root, "examples"), workspace)
    relative = "migrations/0004_index_orders_by_customer.up.sql"
    migration = os.path.join(workspace, relative)
    check = json.loads(subprocess.run([binary, "check", "--format", "json", "."], cwd=workspace,
                                      capture_output=True, text=True).stdout)
    expected = sorted((f["code"], f["line"] - 1, f["column"] - 1)
                      for file in check["files"] if os.path.normpath(file["path"]) == relative
                      for f in file["findings"])
    statement_line = next(i for i, l in enumerate(open(migration)) if l.startswith("CREATE INDEX"))
    report = os.path.join(tmp, "report.json")
    env = dict(os.environ, MIGRASAFE=binary, WORKSPACE=workspace, MIGRATION=migration,
               HOVER_LINE=str(statement_line), REPORT=report, XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp,
               XDG_STATE_HOME=tmp)
    run = subprocess.run([nvim, "--headless", "--clean", "-n", "-c",
                          "luafile " + os.path.join(root, "tests", "nvim_lsp_test.lua")],
                         env=env, cwd=workspace, capture_output=True, text=True, timeout=120)
    if run.returncode != 0 or not os.path.exists(report):
        print("nvim exited with", run.returncode, run.stdout, run.stderr)
        sys.exit(1)
    seen = json.load(open(report))
    failures = []
    got = sorted((d["code"], d["line"], d["column"]) for d in seen["diagnostics"])
    if got != expected:
        failures.append(f"diagnostics {got} != check's findings {expected}")
    for word in ("ShareLock", "public.orders", "blocks"):
        if word not in seen["hover"]:
            failures.append(f"hover lacks {word!r}: {seen['hover']!r}")
    if "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);" not in seen["buffer"]:
        failures.append(f"buffer after {seen['applied']!r}: {seen['buffer']!r}")
    if open(migration).read().rstrip("\n") != seen["buffer"].rstrip("\n"):
        failures.append("the saved file differs from the buffer")
    for f in failures:
        print("nvim_lsp_test:", f)
    if not failures:
        print(f"nvim_lsp_test: ok: {len(got)} diagnostics as check reports them, hover with the locks, "
              f"{seen['applied']!r} applied")
    sys.exit(1 if failures else 0)
