#!/usr/bin/env bash
# Installs the Debian packages migrasafe needs to build and test. Idempotent:
# packages already present are not reinstalled, and apt is not touched at all
# when everything is there.
set -euo pipefail

packages=(
  cmake g++ make pkg-config python3
  libpg-query-dev nlohmann-json3-dev libcli11-dev libre2-dev catch2
  libtomlplusplus-dev libpq-dev
  # jemalloc's archive, linked in as the allocator (-DMIGRASAFE_JEMALLOC=OFF builds without it).
  libjemalloc-dev
  # PostgreSQL 15's node headers: the parser walks libpg_query's raw parse trees with them.
  postgresql-server-dev-15
)
# The test suite also needs a PostgreSQL server (the differential test against
# PostgreSQL 15, and `migrasafe verify`), Node.js/npm (SARIF validator, the VS Code extension's build),
# python3 with PyYAML (test scripts), pre-commit (the hooks, run by the framework), Django (with psycopg2)
# and Alembic (the framework recipes' tests), Neovim (a real LSP client for `migrasafe lsp`) and clang with
# its libFuzzer and sanitizer runtimes (the fuzz targets; clang 14 is also the second compiler `make test`
# builds with), groff (the man page check) and GNU time (peak memory in bench/stress.sh, ctest `stress`).
# `make demo` only needs the build packages.
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql-15 nodejs npm git python3 python3-yaml pre-commit python3-django python3-alembic python3-psycopg2
             neovim clang clang-14 libclang-rt-14-dev groff-base time)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm may come from a non-Debian Node.js install; accept any working npm.
if [[ " ${missing[*]:-} " == *" npm "* ]] && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
if [[ " ${missing[*]:-} " == *" nodejs "* ]] && command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<< "${missing[*]:-}"

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup-deps: all packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
