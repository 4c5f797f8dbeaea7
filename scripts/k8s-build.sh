#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, etcd) from the Go module in
# test/k8s-env into ~/.cache/kiln/k8s-<version>/, only when a binary is missing there.
# Prints the directory on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mod="$here/test/k8s-env"
version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$mod/go.mod")
if [ -z "$version" ]; then
  version=$(grep -oE 'k8s.io/kubernetes v[0-9.]+' "$mod/go.mod" | head -1 | cut -d' ' -f2)
fi
out="${KILN_K8S_CACHE:-$HOME/.cache/kiln}/k8s-$version"
bins=(kube-apiserver kube-controller-manager etcd)
missing=()
for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "k8s-build: go is not installed; the test control plane is built from Go modules (Go 1.24 or newer)" >&2; exit 1; }
mkdir -p "$out"
minor=${version#v1.}; minor=${minor%%.*}
# Module builds carry no git version; the API server's /version must say what it is, since the
# controller picks its sidecar mode from it.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
start=$(date +%s)
echo "k8s-build: building ${missing[*]} $version into $out (cold: several minutes)" >&2
cd "$mod"
for b in "${missing[@]}"; do
  case $b in
    etcd) pkg=./etcd ;;
    *) pkg=k8s.io/kubernetes/cmd/$b ;;
  esac
  # Build beside, then rename: a half-written binary never counts as present.
  go build -trimpath -ldflags "$ldflags" -o "$out/.$b.tmp" "$pkg"
  mv "$out/.$b.tmp" "$out/$b"
done
echo "k8s-build: done in $(($(date +%s) - start)) s" >&2
echo "$out"
