// Loads the packaged extension's out/extension.js with stand-ins for the
// `vscode` API and the language client, activates it with settings pointing
// at the migrasafe binary, and checks that it starts that binary as
// `migrasafe lsp ARGS` for SQL documents; then starts that very command line
// and completes an LSP initialize handshake with it.
// Usage: node vscode_extension_smoke.js EXTENSION_DIR MIGRASAFE_BINARY
const assert = require("assert");
const Module = require("module");
const path = require("path");
const { spawn } = require("child_process");

const [extensionDir, binary] = process.argv.slice(2);
const settings = { path: binary, args: ["--debounce-ms", "20"] };
const started = [];

const vscode = {
  workspace: {
    getConfiguration: (section) => {
      assert.strictEqual(section, "migrasafe");
      return { get: (key) => settings[key] };
    },
    createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  commands: { registerCommand: (name) => ({ name, dispose() {} }), executeCommand: async () => {} },
  window: { showErrorMessage: (m) => { throw new Error("activation failed: " + m); } },
};
class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, serverOptions, clientOptions });
    started.push(this);
  }
  async start() {}
  async stop() {}
  dispose() {}
}
const stubs = { vscode, "vscode-languageclient/node": { LanguageClient, TransportKind: { stdio: 0 } } };
const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request in stubs ? stubs[request] : load.call(this, request, parent, isMain);
};

(async () => {
  const manifest = require(path.join(extensionDir, "package.json"));
  const extension = require(path.join(extensionDir, manifest.main));
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.strictEqual(started.length, 1, "one language client started");
  const client = started[0];
  assert.strictEqual(client.serverOptions.command, binary);
  assert.deepStrictEqual(client.serverOptions.args, ["lsp", "--debounce-ms", "20"]);
  assert.ok(client.clientOptions.documentSelector.some((s) => s.language === "sql" && s.scheme === "file"));
  assert.ok(manifest.activationEvents.includes("onLanguage:sql"));
  for (const key of ["migrasafe.path", "migrasafe.args"])
    assert.ok(key in manifest.contributes.configuration.properties, key + " is a setting");

  // The command line the extension built, spoken to as a client would.
  const server = spawn(client.serverOptions.command, client.serverOptions.args, { stdio: ["pipe", "pipe", "inherit"] });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
  server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let output = "";
  const reply = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no initialize response in 20 s")), 20000);
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const start = output.indexOf("\r\n\r\n");
      if (start < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(output)[1]);
      if (output.length >= start + 4 + length) {
        clearTimeout(timer);
        resolve(JSON.parse(output.slice(start + 4, start + 4 + length)));
      }
    });
  });
  server.kill();
  assert.strictEqual(reply.id, 1);
  assert.strictEqual(reply.result.serverInfo.name, "migrasafe");
  assert.ok(reply.result.capabilities.hoverProvider);
  console.log("vscode extension: activates, starts `" + [path.basename(binary), ...client.serverOptions.args].join(" ") + "`, server initialized");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
