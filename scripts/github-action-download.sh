#!/usr/bin/env bash
# The `Download migrasafe` step of action.yml: fetches migrasafe-<version>-linux-x86_64.tar.gz and
# its .sha256 from the GitHub release v<version>, refuses the archive unless its SHA-256 matches,
# unpacks it into $RUNNER_TEMP and sets MIGRASAFE_BIN for the later steps.
# MIGRASAFE_RELEASES overrides where releases are (the tests use a file:// directory).
set -euo pipefail

version=${INPUT_VERSION:?}
version=${version#v}
[[ $version =~ ^[0-9A-Za-z.+-]+$ ]] || { echo "::error title=migrasafe::version '$version' is not a version number"; exit 2; }
[[ $(uname -m) == x86_64 && $(uname -s) == Linux ]] ||
  { echo "::error title=migrasafe::release binaries are for Linux x86-64; leave 'version' empty to build from source"; exit 2; }
releases=${MIGRASAFE_RELEASES:-https://github.com/migrasafe/migrasafe/releases/download}
archive=migrasafe-$version-linux-x86_64.tar.gz
dir=${RUNNER_TEMP:?}/migrasafe-$version
mkdir -p "$dir"

if ! command -v curl >/dev/null; then  # a bare container image (debian:12)
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
fi
for file in "$archive" "$archive.sha256"; do
  curl --fail --silent --show-error --location --retry 3 --output "$dir/$file" "$releases/v$version/$file" ||
    { echo "::error title=migrasafe::cannot download $file of release v$version from $releases"; exit 2; }
done
expected=$(awk '{print $1; exit}' "$dir/$archive.sha256")
actual=$(sha256sum "$dir/$archive" | awk '{print $1}')
if [[ $expected != "$actual" ]]; then
  echo "::error title=migrasafe::$archive does not match its SHA-256 (expected $expected, got $actual); not using it"
  exit 2
fi
tar -xzf "$dir/$archive" -C "$dir"
bin=$(find "$dir" -type f -name migrasafe -perm -u+x | head -n 1)
[[ -n $bin ]] || { echo "::error title=migrasafe::$archive holds no executable named migrasafe"; exit 2; }
echo "migrasafe: $("$bin" --version) from release v$version (SHA-256 $actual)"
echo "MIGRASAFE_BIN=$bin" >>"${GITHUB_ENV:-/dev/null}"
