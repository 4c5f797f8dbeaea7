#!/usr/bin/env bash
# One-time set-up on a fresh machine (idempotent): Debian packages the tests use, PostgreSQL
# running, node_modules installed. `make demo` and `make test` call it.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bubblewrap busybox-static patchelf binutils chromium buildah podman runc)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    # A mirror hiccup should not fail the whole set-up: try a few times before giving up.
    for attempt in 1 2 3; do
      if apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; then
        break
      fi
      [ "$attempt" = 3 ] && { echo "setup: apt-get failed 3 times" >&2; exit 1; }
      echo "setup: apt-get failed (attempt $attempt), retrying" >&2
      sleep $((attempt * 5))
    done
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

if [ -d /etc/postgresql ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "setup: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
