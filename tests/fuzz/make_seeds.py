#!/usr/bin/env python3
"""Seed inputs for the fuzz targets, generated at run time from the fixtures and ../shared/corpus
(never copied into the repository): tests/fuzz/make_seeds.py NAME OUT_DIR [SOURCE_DIR...].

- layout: per directory of migrations (a fixture layout, a corpus project's migration directory), its
  tree of file names with the start of each file's first line (the input format of layout_fuzz.cpp);
  at most 64 files and MAX_SEED bytes per seed.
- sum: per such directory, the migrasafe.sum `migrasafe lock` would write for its .sql files (a big
  directory's in parts of at most MAX_SEED bytes, each with its total line).
- lsp: per .sql file (at most 60, spread over the sources), a session that opens its first
  statements (at most MAX_PIPELINE_SEED bytes) in the fuzz workspace, asks for hover,
  code actions and diagnostics, then shuts down (lsp_fuzz.cpp's one-body-per-line format).
- baseline: per such directory, baselines listing its .sql files (at most MAX_SEED bytes each).
- pipeline: each .sql file cut into runs of whole statements of at most MAX_PIPELINE_SEED bytes
  (a statement longer than that is cut), identical pieces once, at most MAX_PIPELINE_SEEDS (or
  $FUZZ_MAX_SEEDS) spread
  over the sources: small seeds keep an execution fast, and a big file's later statements are
  seeds too instead of being cut off by -max_len."""
import hashlib, json, os, re, sys

name, out = sys.argv[1], sys.argv[2]
sources = [s for s in sys.argv[3:] if os.path.isdir(s)]
os.makedirs(out, exist_ok=True)
WORKSPACE_URI = "file:///tmp/migrasafe-lsp-fuzz/db/"
MAX_SEED = 4096  # run.sh's -max_len
MAX_PIPELINE_SEED = 2048
MAX_PIPELINE_SEEDS = int(os.environ.get("FUZZ_MAX_SEEDS", 3000))  # run_all.sh: fewer for a short run


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


def statements(text):
    """The text cut after each line that ends a statement (`;` at its end, outside a dollar-quoted
    body): rough, but a seed needs no exact statement boundaries."""
    pieces, current, in_body = [], "", False
    for line in text.splitlines(keepends=True):
        current += line
        # Each $tag$ opens or closes a body; an odd count on the line flips the state.
        if len(re.findall(r"\$[A-Za-z_]*\$", line)) % 2:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            pieces.append(current)
            current = ""
    if current.strip():
        pieces.append(current)
    return pieces


def pipeline_pieces(text):
    """Runs of consecutive statements of at most MAX_PIPELINE_SEED bytes each."""
    piece = ""
    for statement in statements(text):
        if piece and len(piece) + len(statement) > MAX_PIPELINE_SEED:
            yield piece
            piece = ""
        piece += statement[:MAX_PIPELINE_SEED - len(piece)]
    if piece.strip():
        yield piece


def chunks(items, limit):
    """The strings in runs of at most `limit` characters (one longer item alone)."""
    run, size = [], 0
    for item in items:
        if run and size + len(item) + 2 > limit:
            yield run
            run, size = [], 0
        run.append(item)
        size += len(item) + 2
    if run:
        yield run


def normalized(data):
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return data.replace(b"\r\n", b"\n")


count = 0
if name == "layout":
    for top, tree in sql_dirs():
        seed, entries = "", 0
        for p in tree:
            line = f"{p}\t{first_line(os.path.join(top, p))[:80]}\n"
            if entries == 64 or len(seed) + len(line) > MAX_SEED:
                write(count, seed)
                count += 1
                seed, entries = "", 0
            seed, entries = seed + line, entries + 1
        if seed:
            write(count, seed)
            count += 1
elif name == "sum":
    for top, tree in sql_dirs():
        lines = []
        for p in tree:
            if p.endswith(".sql"):
                digest = hashlib.sha256(normalized(open(os.path.join(top, p), "rb").read())).hexdigest()
                lines.append(f"{os.path.basename(p).split('_')[0]} {digest} {p}\n")
        # A big directory's sum in parts, each a whole sum with its total line.
        for part in chunks(lines, MAX_SEED - 100):
            write(count, "".join(part) + "total " + hashlib.sha256("".join(part).encode()).hexdigest() + "\n")
            count += 1
elif name == "lsp":
    files = [os.path.join(top, p) for top, tree in sql_dirs() for p in tree if p.endswith(".sql")]
    for path in files[::max(1, len(files) // 60)][:60]:  # spread over every source
        text = next(pipeline_pieces(open(path, "rb").read().decode("utf-8", "replace")), "")
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
    for top, tree in sql_dirs():
        findings = [json.dumps({"path": p, "code": "MS401", "rule": "drop-column",
                                "fingerprint": hashlib.sha256(p.encode()).hexdigest(),
                                "statement": first_line(os.path.join(top, p))[:80]})
                    for p in tree if p.endswith(".sql")]
        for part in chunks(findings[:200], MAX_SEED - 100):
            write(count, '{"migrasafe_baseline": 1, "findings": [\n' + ",\n".join(part) + "\n]}\n")
            count += 1
elif name == "pipeline":
    groups = []  # per directory right below a source (a rule's fixtures, a corpus project): its pieces
    for top, tree in sql_dirs():
        seen = {}
        for p in tree:
            if p.endswith(".sql"):
                text = open(os.path.join(top, p), "rb").read().decode("utf-8", "replace")
                seen.update((piece, None) for piece in pipeline_pieces(text))
        groups.append(list(seen))
    # The small groups whole (a fixture directory is a handful of cases), the big ones sampled evenly
    # with what is left of the budget.
    groups.sort(key=len)
    budget = MAX_PIPELINE_SEEDS
    for i, pieces in enumerate(groups):
        share = budget // (len(groups) - i)
        chosen = pieces[::-(-len(pieces) // share)][:share] if share else []
        budget -= len(chosen)
        for piece in chosen:
            write(count, piece)
            count += 1
else:
    sys.exit(f"make_seeds.py: no seeds for {name}")
print(f"{name}: {count} seeds in {out}")
