#!/usr/bin/env bash
# One-time set-up on a fresh machine (idempotent): Debian packages the tests use, PostgreSQL
# running, node_modules installed. `make demo` and `make test` call it.
set -euo pipefail
cd "$(dirname "$0")/.."

# rsync: gitlab-ci-local, the baseline of bench/gitlab-ci-local.bench.ts, copies the project with it.
APT_PACKAGES=(bubblewrap busybox-static patchelf binutils chromium buildah podman runc postgresql rsync)
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

# The tests connect as postgres@127.0.0.1:5432 to the database `test`, with no password: trust that
# one user on loopback only (PostgreSQL 15's pg_hba.conf has no include, so the line goes on top).
start_postgres() {
  local version conf hba
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  conf="/etc/postgresql/$version/main"
  hba="$conf/pg_hba.conf"
  if ! grep -q '^# kiln-tests' "$hba"; then
    sed -i '1i # kiln-tests: the test suite connects as postgres from loopback without a password\nhost all postgres 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "setup: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "setup: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
  if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -qc 'create database test'
  fi
}
if [ -d /etc/postgresql ] && [ "$(id -u)" = 0 ]; then
  start_postgres
elif ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "setup: PostgreSQL is not running on 127.0.0.1:5432 (run scripts/setup.sh as root to install and start it)" >&2
fi

# The Kubernetes end-to-end tests (test/e2e/k8s) need kubectl and a control plane built from Go
# modules (scripts/k8s-build.sh: ~/.cache/kiln/k8s-<version>/, built once, then a no-op).
if ! command -v kubectl >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup: installing kubectl (Debian's kubernetes-client)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubernetes-client >/dev/null
fi
if command -v go >/dev/null; then
  bash scripts/k8s-build.sh >/dev/null
else
  echo "setup: go is missing: the Kubernetes end-to-end tests cannot build their control plane" >&2
fi

# The first install takes 1-5 minutes, most of it compiling better-sqlite3: say so, and let npm's
# own progress show rather than a silent wait.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (compiles better-sqlite3: 1-5 minutes on a first install)"
  npm ci --no-audit --no-fund --foreground-scripts
  echo "setup: npm ci done"
fi

# The export and Tekton tests check Kiln's output with the targets' own validators, built from Go
# modules into ~/.cache/kiln once (a fresh machine: minutes), here rather than inside a test.
if command -v go >/dev/null; then
  node --import tsx testkit/build-go-tools.ts
else
  echo "setup: go is missing: the export tests cannot build Tekton's validator, actionlint and the Argo schema checker" >&2
fi

# test/cli/gitea.test.ts runs a real forge: Gitea built from its Go module into
# ~/.cache/kiln/gitea-<version>/ once (a fresh machine: about 25 minutes on 2 busy cores), then a no-op.
if command -v go >/dev/null; then
  bash scripts/gitea-build.sh >/dev/null
else
  echo "setup: go is missing: the Gitea test cannot build its forge" >&2
fi
