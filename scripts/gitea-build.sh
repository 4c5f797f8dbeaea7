#!/usr/bin/env bash
# Builds Gitea, the real forge of test/cli/gitea.test.ts, from its Go module (test/gitea) into
# ~/.cache/kiln/gitea-<version>/, only when the binary is missing there. The web assets are not
# built (the tests use the API and git over HTTP); options/ and templates/ are copied beside the
# binary from the module, since a build without the `bindata` tag reads them from STATIC_ROOT_PATH.
# Prints the directory on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mod="$here/test/gitea"
version=$(awk '$1 == "require" && $2 == "code.gitea.io/gitea" { print $3; exit }' "$mod/go.mod")
[ -n "$version" ] || { echo "gitea-build: no 'require code.gitea.io/gitea vX' line in $mod/go.mod" >&2; exit 1; }
out="${KILN_GITEA_CACHE:-$HOME/.cache/kiln}/gitea-$version"
if [ -x "$out/gitea" ] && [ -d "$out/options" ] && [ -d "$out/templates" ]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "gitea-build: go is not installed; Gitea is built from its Go module (Go 1.26 or newer)" >&2; exit 1; }
mkdir -p "$out"
start=$(date +%s)
echo "gitea-build: building Gitea $version into $out (cold: about 25 minutes on 2 busy cores)" >&2
cd "$mod"
# SQLite is the tests' database: Gitea needs these tags for it (cgo, mattn/go-sqlite3).
GOFLAGS=-mod=mod nice -n 10 go build -tags 'sqlite sqlite_unlock_notify' \
  -ldflags "-s -w -X main.Version=${version#v}" -o "$out/.gitea.tmp" code.gitea.io/gitea
src=$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' code.gitea.io/gitea)
for d in options templates; do
  rm -rf "$out/$d"
  cp -r "$src/$d" "$out/$d"
  chmod -R u+w "$out/$d"
done
# Rename last: a half-built directory never counts as present.
mv "$out/.gitea.tmp" "$out/gitea"
echo "gitea-build: done in $(($(date +%s) - start)) s" >&2
echo "$out"
