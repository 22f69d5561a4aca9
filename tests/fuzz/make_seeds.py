#!/usr/bin/env python3
"""Seed inputs for the fuzz targets, generated at run time from the fixtures and ../shared/corpus
(never copied into the repository): tests/fuzz/make_seeds.py NAME OUT_DIR [SOURCE_DIR...].

- layout: per directory of migrations (a fixture layout, a corpus project's migration directory), its
  tree of file names with each file's first line (the input format of layout_fuzz.cpp); at most 64
  files per seed.
- sum: per such directory, the migrasafe.sum `migrasafe lock` would write for its .sql files.
- lsp: per .sql file (at most 60, spread over the sources), a session that opens it in the fuzz workspace, asks for hover,
  code actions and diagnostics, then shuts down (lsp_fuzz.cpp's one-body-per-line format).
- baseline: per source directory, a baseline listing its .sql files."""
import hashlib, json, os, sys

name, out = sys.argv[1], sys.argv[2]
sources = [s for s in sys.argv[3:] if os.path.isdir(s)]
os.makedirs(out, exist_ok=True)
WORKSPACE_URI = "file:///tmp/migrasafe-lsp-fuzz/db/"


def sql_dirs():
    """Each directory right below a source (a fixture, a corpus project) with its .sql files and
    sqitch.plan files, relative to it, sorted."""
    for source in sources:
        for child in sorted(os.listdir(source)):
            top = os.path.join(source, child)
            if not os.path.isdir(top):
                continue
            tree = []
            for sub, subdirs, subfiles in os.walk(top):
                subdirs.sort()
                tree += [os.path.relpath(os.path.join(sub, f), top) for f in sorted(subfiles)
                         if f.endswith(".sql") or f == "sqitch.plan"]
            if tree:
                yield top, tree


def first_line(path):
    with open(path, "rb") as f:
        line = f.readline(200).decode("utf-8", "replace").rstrip("\r\n")
    return line.replace("\t", " ")


def write(index, data):
    with open(os.path.join(out, f"{name}-{index:04d}"), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def normalized(data):
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return data.replace(b"\r\n", b"\n")


count = 0
if name == "layout":
    for top, tree in sql_dirs():
        for start in range(0, len(tree), 64):
            write(count, "".join(f"{p}\t{first_line(os.path.join(top, p))}\n" for p in tree[start:start + 64]))
            count += 1
elif name == "sum":
    for top, tree in sql_dirs():
        lines = ""
        for p in tree:
            if p.endswith(".sql"):
                digest = hashlib.sha256(normalized(open(os.path.join(top, p), "rb").read())).hexdigest()
                lines += f"{os.path.basename(p).split('_')[0]} {digest} {p}\n"
        write(count, lines + "total " + hashlib.sha256(lines.encode()).hexdigest() + "\n")
        count += 1
elif name == "lsp":
    files = [os.path.join(top, p) for top, tree in sql_dirs() for p in tree if p.endswith(".sql")]
    for path in files[::max(1, len(files) // 60)][:60]:  # spread over every source
        text = open(path, "rb").read().decode("utf-8", "replace")
        uri = WORKSPACE_URI + "003_fuzz.sql"
        doc = {"uri": uri}
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}},
            {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
             "params": {"textDocument": doc, "position": {"line": 0, "character": 3}}},
            {"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction",
             "params": {"textDocument": doc, "range": {"start": {"line": 0, "character": 0},
                                                       "end": {"line": 2, "character": 0}}, "context": {"diagnostics": []}}},
            {"jsonrpc": "2.0", "id": 4, "method": "textDocument/diagnostic", "params": {"textDocument": doc}},
            {"jsonrpc": "2.0", "id": 5, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        ]
        write(count, "".join(json.dumps(m) + "\n" for m in messages))
        count += 1
elif name == "baseline":
    for source in sources:
        findings = [{"path": os.path.relpath(os.path.join(top, p), source), "code": "MS401", "rule": "drop-column",
                     "fingerprint": hashlib.sha256(p.encode()).hexdigest(), "statement": first_line(os.path.join(top, p))}
                    for top, tree in sql_dirs() for p in tree if p.endswith(".sql")][:500]
        write(count, json.dumps({"migrasafe_baseline": 1, "findings": findings}, indent=2))
        count += 1
else:
    sys.exit(f"make_seeds.py: no seeds for {name}")
print(f"{name}: {count} seeds in {out}")
