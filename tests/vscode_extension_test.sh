#!/usr/bin/env bash
# editors/vscode: installs its npm dependencies (package-lock.json), compiles it, packages it to a
# .vsix with @vscode/vsce, checks the package's contents, and runs the packaged extension's code
# against the real binary (tests/vscode_extension_smoke.js).
# Usage: tests/vscode_extension_test.sh MIGRASAFE_BINARY. Exit 77 (skipped) without npm.
# The build happens in ${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/vscode-extension, so the
# dependencies are downloaded once, not on every run, and nothing is written into the checkout.
set -euo pipefail
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in npm node python3; do
  command -v "$tool" >/dev/null || { echo "vscode extension: skipped: $tool is not installed"; exit 77; }
done
work=${MIGRASAFE_NPM_CACHE:-$HOME/.cache/migrasafe-npm}/vscode-extension
mkdir -p "$work"
# The sources, fresh each run; node_modules is kept while package-lock.json is unchanged.
rm -rf "$work/src" "$work/out" "$work"/*.vsix
cp -r "$root/editors/vscode/src" "$root/editors/vscode/package.json" "$root/editors/vscode/tsconfig.json" \
  "$root/editors/vscode/README.md" "$root/editors/vscode/.vscodeignore" "$work/"
if ! cmp -s "$root/editors/vscode/package-lock.json" "$work/package-lock.json" || [[ ! -d $work/node_modules ]]; then
  cp "$root/editors/vscode/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --omit=optional --loglevel=error)
fi
cd "$work"
npm run --silent compile
npm run --silent package >/dev/null
python3 - "$work/migrasafe.vsix" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for required in ("extension/package.json", "extension/out/extension.js", "extension.vsixmanifest",
                 "extension/node_modules/vscode-languageclient/package.json"):
    assert required in names, f"{required} is not in the .vsix"
for unwanted in ("extension/src/extension.ts", "extension/node_modules/typescript/package.json"):
    assert unwanted not in names, f"{unwanted} should not be in the .vsix"
print(f"vscode extension: migrasafe.vsix packaged ({len(names)} files)")
PY
# The packaged code, not the compiled tree: unzip the .vsix and run its extension/.
rm -rf unpacked && mkdir unpacked && (cd unpacked && python3 -m zipfile -e ../migrasafe.vsix .)
node "$root/tests/vscode_extension_smoke.js" "$work/unpacked/extension" "$binary"
