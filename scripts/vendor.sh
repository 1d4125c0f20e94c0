#!/usr/bin/env bash
# Re-create static/vendor/ from the npm registry (needs node/npm; tests and CI never do).
# Each package is fetched with `npm pack`, checked against the registry's integrity hash,
# and only the files the app serves are kept, with the package's LICENSE and SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor() {  # name version file...
  local name=$1 version=$2; shift 2
  local dest="static/vendor/${name%%.*}-$version" tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "$name@$version" --silent >/dev/null)
  local want got
  want=$(npm view "$name@$version" dist.integrity)
  got="sha512-$(openssl dgst -sha512 -binary "$tmp"/*.tgz | base64 -w0)"
  [ "$want" = "$got" ] || { echo "integrity mismatch for $name@$version" >&2; exit 1; }
  tar xzf "$tmp"/*.tgz -C "$tmp"
  rm -rf "$dest" && mkdir -p "$dest"
  for f in "$@"; do cp "$tmp/package/$f" "$dest/"; done
  cp "$tmp/package/LICENSE" "$dest/"
  (cd "$dest" && sha256sum -- * | grep -v SHA256SUMS > SHA256SUMS)
  rm -rf "$tmp"
}
# htmx 2.0.x: the npm `latest` tag is htmx 4, whose headers flask-htmx does not read.
vendor htmx.org 2.0.11 dist/htmx.min.js
