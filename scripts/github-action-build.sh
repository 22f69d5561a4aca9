#!/usr/bin/env bash
# The build-from-source steps of action.yml (when no `version` is given), kept in a file so they can
# be tested locally (tests/integrations_test.sh). The binary goes to $RUNNER_TEMP/migrasafe-bin,
# which actions/cache saves under a key made of this action's source, so a later run with the same
# source (and the same image) skips the build.
#   key    step outputs `key` (the cache key) and `binary-dir`
#   deps   the Debian build packages (scripts/setup-deps.sh), unless a cached binary already runs
#   build  builds the binary unless the cache restored it; sets MIGRASAFE_BIN for the later steps
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir=${RUNNER_TEMP:?}/migrasafe-bin
bin=$bin_dir/migrasafe

runs() { [[ -x $bin ]] && "$bin" --version >/dev/null 2>&1; }

case ${1:-} in
  key)
    # What the binary is made of (sources, build files, embedded rule pages) and what it runs on.
    parts=()
    for part in CMakeLists.txt cmake parser analysis rules reporters sources cli engine docs/rules; do
      [[ -e $src/$part ]] && parts+=("$part")
    done
    source_hash=$(cd "$src" && find "${parts[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
                    sha256sum | cut -c1-32)
    system=$( (. /etc/os-release 2>/dev/null && echo "$ID-${VERSION_ID:-}") || uname -s)
    { echo "key=migrasafe-$system-$(uname -m)-$source_hash"; echo "binary-dir=$bin_dir"; } >>"${GITHUB_OUTPUT:-/dev/null}"
    ;;
  deps)
    if runs; then
      echo "migrasafe: the cached binary runs; no packages to install"
    else
      bash "$src/scripts/setup-deps.sh"
    fi
    ;;
  build)
    if runs; then
      echo "migrasafe: using the cached build ($("$bin" --version))"
    else
      build=$RUNNER_TEMP/migrasafe-build
      cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIGRASAFE_TESTS=OFF >/dev/null
      cmake --build "$build" --target migrasafe -j "$(nproc)"
      mkdir -p "$bin_dir" && cp "$build/migrasafe" "$bin"
    fi
    echo "MIGRASAFE_BIN=$bin" >>"${GITHUB_ENV:-/dev/null}"
    ;;
  *) echo "usage: github-action-build.sh key|deps|build" >&2; exit 2 ;;
esac
