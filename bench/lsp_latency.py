#!/usr/bin/env python3
"""`migrasafe lsp` edit latency in a workspace of N migrations (default 1,000).

Generates a deterministic flyway-style history (tables created, then altered, indexed, backfilled),
starts the server with --debounce-ms 0 (so the figure is the server's own work, not the debounce
wait), opens the last migration (the first full replay), then sends EDITS edits to it, each a
didChange of the whole buffer, and times each one from the didChange to its publishDiagnostics.
Prints the first-open time and the median, p95 and max per-edit latency; exit 1 when the median is
over the budget (50 ms).

Usage: bench/lsp_latency.py MIGRASAFE_BINARY [--migrations N] [--edits K]"""
import argparse, json, os, subprocess, sys, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--migrations", type=int, default=1000)
parser.add_argument("--edits", type=int, default=50)
parser.add_argument("--budget-ms", type=float, default=50.0)
args = parser.parse_args()


def migration(i):
    t = f"t{i // 4}"
    kind = i % 4
    if kind == 0:
        return (f"CREATE TABLE {t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,\n"
                f"  created_at timestamptz NOT NULL DEFAULT now(), owner_id bigint);\n")
    if kind == 1:
        return (f"SET lock_timeout = '2s';\nALTER TABLE {t} ADD COLUMN status text NOT NULL DEFAULT 'new';\n"
                f"ALTER TABLE {t} ADD COLUMN note varchar(100);\n")
    if kind == 2:
        return f"CREATE INDEX CONCURRENTLY {t}_owner_idx ON {t} (owner_id);\n"
    return f"UPDATE {t} SET status = 'old' WHERE created_at < now() - interval '1 year';\n"


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class Server:
    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "lsp", "--debounce-ms", "0"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)

    def send(self, message):
        self.p.stdin.write(frame(message))
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                sys.exit("bench: the server closed its output")
            if line == b"\r\n":
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def wait(self, predicate):
        while True:
            m = self.read()
            if predicate(m):
                return m


with tempfile.TemporaryDirectory() as tmp:
    names = []
    for i in range(args.migrations):
        name = os.path.join(tmp, "db", f"V{i + 1}__step_{i + 1}.sql")
        os.makedirs(os.path.dirname(name), exist_ok=True)
        with open(name, "w") as f:
            f.write(migration(i))
        names.append(name)
    target = names[-1]
    uri = "file://" + target
    text = open(target).read()
    s = Server(args.binary)
    s.send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": None, "rootUri": "file://" + tmp, "capabilities": {}}})
    s.wait(lambda m: m.get("id") == 1)
    s.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    published = lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    start = time.perf_counter()
    s.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}})
    first = s.wait(published)
    first_ms = (time.perf_counter() - start) * 1000
    latencies = []
    for k in range(args.edits):
        # A type change judged against the history: the column's type comes from an earlier migration.
        edited = text + f"ALTER TABLE t{(args.migrations - 1) // 4} ALTER COLUMN note TYPE varchar({50 + k});\n"
        start = time.perf_counter()
        s.send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [{"text": edited}]}})
        m = s.wait(published)
        latencies.append((time.perf_counter() - start) * 1000)
        found = len(m["params"]["diagnostics"])
        if m["params"].get("version") != k + 2:
            sys.exit(f"bench: diagnostics for version {m['params'].get('version')}, expected {k + 2}")
    s.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    s.wait(lambda m: m.get("id") == 2)
    s.send({"jsonrpc": "2.0", "method": "exit"})
    s.p.wait(timeout=10)
    latencies.sort()
    median = latencies[len(latencies) // 2]
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"lsp: {args.migrations} migrations; first open (full replay) {first_ms:.0f} ms, "
          f"{len(first['params']['diagnostics'])} diagnostics")
    print(f"lsp: per edit over {len(latencies)} edits: median {median:.1f} ms, p95 {p95:.1f} ms, "
          f"max {latencies[-1]:.1f} ms (budget {args.budget_ms:.0f} ms); {found} diagnostics after the last edit")
    sys.exit(0 if median <= args.budget_ms else 1)
