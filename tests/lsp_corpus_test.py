#!/usr/bin/env python3
"""`migrasafe lsp` against `migrasafe check` on the real corpus (../shared/corpus, or
MIGRASAFE_CORPUS): for every project, `check --format json .` from its root, then every file opened in
one language server, as an editor would; the diagnostics of each file must be check's findings (code,
line, column). This holds the server's set discovery, history replay (up, down and dbmate scripts)
and configuration to the command line's. Exit 77 (skipped) when the corpus is not there."""
import json, os, subprocess, sys

binary = os.path.abspath(sys.argv[1])
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.environ.get("MIGRASAFE_CORPUS", os.path.join(root, "..", "shared", "corpus"))
if not os.path.isdir(corpus):
    print(f"lsp corpus: skipped: no corpus at {corpus}")
    sys.exit(77)


class Server:
    def __init__(self):
        self.p = subprocess.Popen([binary, "lsp", "--debounce-ms", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})

    def send(self, message):
        body = json.dumps(message).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                sys.exit("lsp corpus: the server closed its output")
            if line == b"\r\n":
                return json.loads(self.p.stdout.read(length))
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])

    def request(self, id, method, params):
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        while self.read().get("id") != id:
            pass

    def diagnostics(self, path, text):
        uri = "file://" + path
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}})
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                break
        self.send({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
        return sorted((d.get("code"), d["range"]["start"]["line"], d["range"]["start"]["character"])
                      for d in m["params"]["diagnostics"])


failures = files = 0
for project in sorted(os.listdir(corpus)):
    project_dir = os.path.realpath(os.path.join(corpus, project))
    if not os.path.isdir(project_dir):
        continue
    report = json.loads(subprocess.run([binary, "check", "--format", "json", "."], cwd=project_dir,
                                       capture_output=True, text=True).stdout)
    server = Server()
    differ = 0
    for f in report["files"]:
        path = os.path.normpath(os.path.join(project_dir, f["path"]))
        if not path.endswith(".sql"):
            continue  # migrasafe.sum findings are not an editor buffer's
        expected = sorted((d["code"], d["line"] - 1, d["column"] - 1) for d in f["findings"])
        with open(path, encoding="utf-8") as source:
            got = server.diagnostics(path, source.read())
        files += 1
        if got != expected:
            differ += 1
            if differ <= 3:
                print(f"FAIL {project}/{f['path']}: lsp only {sorted(set(got) - set(expected))[:3]}, "
                      f"check only {sorted(set(expected) - set(got))[:3]}")
    server.p.kill()
    failures += differ
    print(f"{'ok  ' if not differ else 'FAIL'} {project}: {differ} of the files differ")
print(f"lsp corpus: {files} files, {failures} whose diagnostics differ from check's findings")
sys.exit(1 if failures else 0)
