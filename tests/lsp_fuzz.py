#!/usr/bin/env python3
"""`migrasafe lsp` under a stream of random client messages (fixed seeds, so a failure repeats):
every method with well-formed, malformed and truncated parameters, out-of-range positions and range
edits, half-typed SQL, random bytes as bodies, cancellations, for open and unopened documents inside
and outside a migration directory. The server must answer `shutdown` and exit with 0 at the end, and
never answer with an internal error.

Usage: tests/lsp_fuzz.py MIGRASAFE_BINARY [SEEDS] [MESSAGES]"""
import json, os, random, subprocess, sys, tempfile, threading

binary = os.path.abspath(sys.argv[1])
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000

SQL = ["DROP TABLE t;", "ALTER TABLE orders ADD COLUMN x int DEFAULT random();",
       "BEGIN; CREATE INDEX i ON t (a); COMMIT;", "DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;",
       "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;", "é😀 SELECT",
       "-- migrasafe-ignore drop-table: kept\nDROP TABLE t;", "ALTER TABLE t ALTER COLUMN c TYPE bigint;\r\n",
       "UPDATE t SET a = 1;", "(((((((", "'unterminated", "ALTER TABLE orders ADD COLUMN"]
METHODS = ["textDocument/didOpen", "textDocument/didChange", "textDocument/hover", "textDocument/codeAction",
           "textDocument/diagnostic", "textDocument/didSave", "textDocument/didClose",
           "workspace/didChangeConfiguration", "workspace/didChangeWatchedFiles", "$/cancelRequest", "unknown/method"]


def frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def run(seed, workspace):
    rnd = random.Random(seed)
    uris = ["untitled:a.sql", f"file://{workspace}/db/001_a.sql", f"file://{workspace}/db/002_b.sql",
            "file:///nonexistent/x.sql"]
    p = subprocess.Popen([binary, "lsp", "--debounce-ms", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    chunks = []  # read on a thread: the client must never stop reading while it writes
    reader = threading.Thread(target=lambda: [chunks.append(c) for c in iter(lambda: p.stdout.read1(1 << 20), b"")])
    reader.start()
    send = lambda message: p.stdin.write(frame(json.dumps(message).encode()))
    send({"jsonrpc": "2.0", "id": "init", "method": "initialize",
          "params": {"capabilities": {"general": {"positionEncodings": rnd.choice([["utf-8"], ["utf-16"]])}}}})
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    position = lambda: {"line": rnd.choice([0, 1, 2, -1, 10 ** 9, "x"]), "character": rnd.choice([0, 3, -2, 10 ** 9, None])}
    for i in range(count):
        text = "\n".join(rnd.choice(SQL) for _ in range(rnd.randint(0, 6)))
        params = {"textDocument": {"uri": rnd.choice(uris), "version": i, "text": text, "languageId": "sql"},
                  "contentChanges": [{"text": text}] if rnd.random() < 0.6 else
                  [{"range": {"start": position(), "end": position()}, "text": rnd.choice(SQL)}],
                  "position": position(), "range": {"start": position(), "end": position()},
                  "context": {"diagnostics": [], "only": rnd.choice([None, ["quickfix"], ["source"], 7])},
                  "id": rnd.randint(0, count), "changes": [{"uri": rnd.choice(uris), "type": 2}]}
        for key in rnd.sample(sorted(params), rnd.randint(0, 3)):
            params[key] = rnd.choice([None, 5, "s", [], {}])
        message = {"jsonrpc": "2.0", "method": rnd.choice(METHODS), "params": params}
        if rnd.random() < 0.5:
            message["id"] = i
        body = json.dumps(message).encode()
        r = rnd.random()
        if r < 0.05:
            body = body[:rnd.randint(0, len(body))]
        elif r < 0.08:
            body = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(1, 50)))
        p.stdin.write(frame(body))
    send({"jsonrpc": "2.0", "id": "end", "method": "shutdown"})
    send({"jsonrpc": "2.0", "method": "exit"})
    p.stdin.close()
    code = p.wait(timeout=300)
    reader.join()
    out = b"".join(chunks)
    problems = []
    if code != 0:
        problems.append(f"exit code {code} after shutdown and exit")
    if b'{"id":"end","jsonrpc":"2.0","result":null}' not in out:
        problems.append("no result for shutdown")
    if b'"code":-32603' in out:
        problems.append("an internal error: " + out[out.index(b'"code":-32603') - 200:][:600].decode(errors="replace"))
    return problems


failed = False
with tempfile.TemporaryDirectory() as workspace:
    os.makedirs(os.path.join(workspace, "db"))
    with open(os.path.join(workspace, "db", "001_a.sql"), "w") as f:
        f.write("CREATE TABLE t (a int, c int);\n")
    for seed in range(1, seeds + 1):
        problems = run(seed, workspace)
        failed = failed or bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} seed {seed}: {count} messages" + "".join("; " + p for p in problems))
sys.exit(1 if failed else 0)
