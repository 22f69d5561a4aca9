#!/usr/bin/env bash
# Installs the Debian packages migrasafe needs to build and test. Idempotent:
# packages already present are not reinstalled, and apt is not touched at all
# when everything is there.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libpg-query-dev nlohmann-json3-dev libcli11-dev libre2-dev catch2
  libtomlplusplus-dev
)
# The test suite also needs a PostgreSQL server (the differential test against
# PostgreSQL 15), Node.js/npm (SARIF validator), python3 with PyYAML (test scripts),
# clang 14 (the second compiler make test builds with) and groff (the man page check).
# `make demo` only needs the build packages.
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql-15 libpq-dev nodejs npm git python3 python3-yaml clang-14 groff-base)
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
