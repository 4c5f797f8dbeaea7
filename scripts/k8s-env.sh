#!/usr/bin/env bash
# A real Kubernetes control plane on this machine, for tests and for a person:
#   scripts/k8s-env.sh start [--statuses-only] [--no-controller]   → prints the exports on stdout
#   scripts/k8s-env.sh stop
# start: etcd, kube-apiserver (RBAC, PodSecurity, LimitRanger, ResourceQuota admission) and
# kube-controller-manager (garbage collection, namespaces, service accounts) built by
# scripts/k8s-build.sh; the test node (testkit/test-node: runs Pods with podman kube play, or only
# plays their statuses); deploy/'s CRDs, namespace and RBAC; a collector; and `kiln controller`
# with the token of deploy/'s kiln-controller ServiceAccount, so RBAC is what a cluster would grant.
# The namespace kiln-e2e enforces PodSecurity `restricted` and has a LimitRange and a ResourceQuota.
# State lives in $KILN_K8S_ENV (default /tmp/kiln-k8s-env); each process's log is there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
S=${KILN_K8S_ENV:-/tmp/kiln-k8s-env}
NS=kiln-e2e

die() { echo "k8s-env: $*" >&2; exit 1; }
# A start that fails leaves nothing running: the tail of every log goes to stderr, then all stops.
on_failure() {
  for f in "$S"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  stop
}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# Waits until a command succeeds; names what it waited for when it never does.
wait_until() {
  local what=$1 tries=$2; shift 2
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what did not come up"
}
# Starts a process in its own session, its pid in $S/NAME.pid, its output in $S/NAME.log.
launch() {
  local name=$1; shift
  setsid "$@" >"$S/$name.log" 2>&1 </dev/null &
  echo $! >"$S/$name.pid"
}
kube() { kubectl --kubeconfig "$S/admin.kubeconfig" "$@"; }

kubeconfig() { # FILE TOKEN
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kiln-e2e
    cluster: { server: "https://127.0.0.1:$(cat "$S/apiserver.port")", certificate-authority: "$S/pki/apiserver.crt" }
users:
  - name: user
    user: { token: "$2" }
contexts:
  - name: kiln-e2e
    context: { cluster: kiln-e2e, user: user, namespace: $NS }
current-context: kiln-e2e
EOF
}

stop() {
  [ -d "$S" ] || return 0
  # Reverse order of start: what acts on the cluster first, the store last.
  for name in controller node collector kube-controller-manager kube-apiserver etcd; do
    [ -f "$S/$name.pid" ] || continue
    local pid; pid=$(cat "$S/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$S/$name.pid"
  done
  # Pods the podman node played: labelled with this environment's directory.
  if command -v podman >/dev/null && [ -f "$S/containers.conf" ]; then
    CONTAINERS_CONF="$S/containers.conf" podman --runtime runc --cgroup-manager cgroupfs pod rm -f \
      $(CONTAINERS_CONF="$S/containers.conf" podman pod ls -q --filter "label=kiln.dev/test-node=$S/node" 2>/dev/null) \
      >/dev/null 2>&1 || true
  fi
  rm -rf "$S"
}

start() {
  local mode=podman controller=yes
  for a in "$@"; do
    case $a in
      --statuses-only) mode=statuses ;;
      --no-controller) controller=no ;;
      *) die "unknown flag $a (flags: --statuses-only, --no-controller)" ;;
    esac
  done
  [ -f "$S/apiserver.port" ] && die "an environment is already in $S: run scripts/k8s-env.sh stop first (or set KILN_K8S_ENV)"
  command -v kubectl >/dev/null || die "kubectl is missing: run scripts/setup.sh"
  command -v openssl >/dev/null || die "openssl is missing"
  [ -f "$root/dist/kiln.mjs" ] || die "dist/kiln.mjs is missing: run node scripts/build.mjs"
  local bins; bins=$("$root/scripts/k8s-build.sh")
  trap 'on_failure' EXIT
  mkdir -p "$S/pki" "$S/etcd"
  openssl genrsa -out "$S/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$S/pki/sa.key" -pubout -out "$S/pki/sa.pub" 2>/dev/null
  local admin_token; admin_token=$(openssl rand -hex 24)
  echo "$admin_token,kiln-admin,kiln-admin,system:masters" >"$S/tokens.csv"
  local etcd_port peer_port api_port collector_port metrics_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  collector_port=$(free_port); metrics_port=$(free_port)

  launch etcd "$bins/etcd" -data-dir "$S/etcd/data" -listen "http://127.0.0.1:$etcd_port" -peer "http://127.0.0.1:$peer_port"
  wait_until etcd 100 grep -q "etcd ready" "$S/etcd.log"

  launch kube-apiserver "$bins/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --cert-dir="$S/pki" --token-auth-file="$S/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$S/pki/sa.pub" --service-account-signing-key-file="$S/pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/24 \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,ResourceQuota,DefaultTolerationSeconds \
    --profiling=false --v=1
  echo "$api_port" >"$S/apiserver.port"
  wait_until kube-apiserver 600 curl -sfk -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$api_port/readyz"
  kubeconfig "$S/admin.kubeconfig" "$admin_token"

  launch kube-controller-manager "$bins/kube-controller-manager" \
    --kubeconfig="$S/admin.kubeconfig" --leader-elect=false --secure-port=0 \
    --controllers='*,-nodelifecycle,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route' \
    --service-account-private-key-file="$S/pki/sa.key" --root-ca-file="$S/pki/apiserver.crt" \
    --use-service-account-credentials=false --v=1

  # Kiln's own objects, as deploy/ ships them.
  kube apply -f "$root/deploy/manifests/namespace.yaml" -f "$root/deploy/manifests/crds/" \
    -f "$root/deploy/manifests/rbac.yaml" >"$S/apply.log"
  kube wait --for condition=established --timeout=60s crd/pipelineruns.kiln.dev crd/pipelines.kiln.dev >>"$S/apply.log"
  kube apply -f - >>"$S/apply.log" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels: { pod-security.kubernetes.io/enforce: restricted }
---
apiVersion: v1
kind: LimitRange
metadata: { name: kiln-e2e-limits, namespace: $NS }
spec:
  limits:
    - type: Container
      min: { memory: 4Mi }
      defaultRequest: { cpu: 10m, memory: 32Mi }
      default: { memory: 512Mi }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: kiln-e2e-quota, namespace: $NS }
spec:
  hard: { pods: "1000", requests.memory: 256Gi, secrets: "1000" }
---
# The controller works in this namespace only through deploy/'s ClusterRole (bound cluster-wide).
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: tester-kiln-edit, namespace: $NS }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiln-edit }
subjects: [{ kind: User, name: kiln-tester, apiGroup: rbac.authorization.k8s.io }]
EOF
  # The default ServiceAccount the Pods run as, made by the controller manager.
  wait_until "the $NS default ServiceAccount" 300 kube -n "$NS" get serviceaccount default
  kubeconfig "$S/controller.kubeconfig" "$(kube -n kiln create token kiln-controller --duration=24h)"

  printf '[containers]\ndefault_ulimits = []\n' >"$S/containers.conf"
  launch node env CONTAINERS_CONF="$S/containers.conf" KUBECONFIG="$S/admin.kubeconfig" \
    node --import tsx "$root/testkit/test-node/main.ts" --name kiln-test-node --mode "$mode" --state "$S/node" \
    --root "$root"
  wait_until "the test node" 3000 test -s "$S/node/ready"
  local agent_image; agent_image=$(cat "$S/node/ready")

  openssl rand -hex 32 >"$S/collector-secret"
  openssl rand -hex 24 >"$S/reader-token"
  launch collector node "$root/dist/kiln.mjs" collector --listen "127.0.0.1:$collector_port" \
    --db "sqlite:$S/kiln.db" --state-dir "$S/collector" --secret-file "$S/collector-secret" \
    --reader-token-file "$S/reader-token"
  wait_until collector 300 curl -sf "http://127.0.0.1:$collector_port/healthz"

  if [ "$controller" = yes ]; then
    launch controller env KUBECONFIG="$S/controller.kubeconfig" node "$root/dist/kiln.mjs" controller \
      --collector "http://127.0.0.1:$collector_port" --collector-secret-file "$S/collector-secret" \
      --agent-image "$agent_image" --metrics-listen "127.0.0.1:$metrics_port" --archive-grace 1h \
      --pod-security restricted
    wait_until "kiln controller" 300 curl -sf "http://127.0.0.1:$metrics_port/metrics"
  fi
  cat >"$S/env" <<EOF
export KUBECONFIG=$S/admin.kubeconfig KILN_COLLECTOR=http://127.0.0.1:$collector_port KILN_TOKEN=$(cat "$S/reader-token")
export KILN_CONTROLLER_KUBECONFIG=$S/controller.kubeconfig KILN_COLLECTOR_SECRET_FILE=$S/collector-secret KILN_AGENT_IMAGE=$agent_image KILN_K8S_NAMESPACE=$NS
EOF
  trap - EXIT
  cat "$S/env"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) die "usage: scripts/k8s-env.sh start [--statuses-only] [--no-controller] | stop" ;;
esac
