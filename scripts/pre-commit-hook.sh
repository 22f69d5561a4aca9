#!/usr/bin/env bash
# Entry of the `migrasafe-build` pre-commit hook (.pre-commit-hooks.yaml): builds migrasafe from
# the checkout this script is in (pre-commit's clone of the hook repository, one per revision)
# the first time, then runs scripts/pre-commit-run.sh with it, from the user's repository.
# MIGRASAFE_BUILD_DIR overrides where the build goes (default: build-pre-commit/ in the checkout).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MIGRASAFE_BUILD_DIR:-$src/build-pre-commit}
bin=$build/migrasafe

if [[ ! -x $bin ]]; then
  for tool in cmake c++; do
    command -v "$tool" >/dev/null || {
      echo "migrasafe hook: $tool is needed to build migrasafe (Debian: bash $src/scripts/setup-deps.sh)" >&2
      exit 2
    }
  done
  # One build at a time, even if two commits start together.
  mkdir -p "$build"
  exec 9>"$build/.lock"
  flock 9
  if [[ ! -x $bin ]]; then
    notice="migrasafe hook: building migrasafe once into $build (this takes a few minutes)"
    echo "$notice" >&2
    # pre-commit shows a hook's output only when it ends: say it on the terminal now, if there is one.
    { echo "$notice" >/dev/tty; } 2>/dev/null || true
    jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}
    { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIGRASAFE_TESTS=OFF &&
      cmake --build "$build" --target migrasafe -j "$jobs"; } >"$build/build.log" 2>&1 || {
      echo "migrasafe hook: the build failed; see $build/build.log" >&2
      tail -n 20 "$build/build.log" >&2
      exit 2
    }
  fi
  exec 9>&-
fi
MIGRASAFE_BIN=$bin exec "$src/scripts/pre-commit-run.sh" "$@"
