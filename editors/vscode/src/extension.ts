// Starts `migrasafe lsp` for SQL files and restarts it when its settings change.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

// The command line of the server, from the `migrasafe.path` and `migrasafe.args` settings.
export function serverCommand(config: vscode.WorkspaceConfiguration): { command: string; args: string[] } {
  const command = config.get<string>("path") || "migrasafe";
  const extra = config.get<string[]>("args") ?? [];
  return { command, args: ["lsp", ...extra] };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const { command, args } = serverCommand(vscode.workspace.getConfiguration("migrasafe"));
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "sql" },
      { scheme: "untitled", language: "sql" },
    ],
    synchronize: {
      // The server re-reads its configuration and the migration history when these change.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{.migrasafe.toml,*.sql,sqitch.plan,migrasafe.sum}"),
    },
  };
  client = new LanguageClient("migrasafe", "migrasafe", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("migrasafe.restart", async () => {
      await client?.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("migrasafe")) await vscode.commands.executeCommand("migrasafe.restart");
    }),
  );
  try {
    await start(context);
  } catch (error) {
    vscode.window.showErrorMessage(
      `migrasafe: cannot start \`migrasafe lsp\` (${error}). Set "migrasafe.path" to the migrasafe binary.`,
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
