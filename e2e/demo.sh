#!/usr/bin/env bash
# The quickstart: starts a local control plane of the demo's own, installs the CRD, serves the example chart from a
# chart repository on 127.0.0.1:18879, runs the operator, applies examples/hello.yaml and waits until it is Ready.
#   e2e/demo.sh        run it (again: reuses what is already running)
#   e2e/demo.sh down   stop the operator, the chart repository and the demo's control plane
# The demo's control plane is never the tests' (`mvn verify` starts e2e/cluster.sh's default one, where a demo
# operator would fight the tests' operators): its state is in $HELMOP_DEMO_DIR/cluster (default
# ~/.cache/helmop/demo/cluster) and it listens on 127.0.0.1 ports 17443 (kube-apiserver), 13379 and 13380 (etcd),
# 17257 and 17259 (controller-manager, scheduler). HELMOP_DEMO_APISERVER_PORT, HELMOP_DEMO_ETCD_PORT,
# HELMOP_DEMO_ETCD_PEER_PORT, HELMOP_DEMO_CONTROLLER_MANAGER_PORT and HELMOP_DEMO_SCHEDULER_PORT move them; the
# tests' HELMOP_CLUSTER_DIR and HELMOP_*_PORT variables are ignored here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${HELMOP_DEMO_DIR:-$HOME/.cache/helmop/demo}
port=18879 # examples/hello.yaml names this chart repository
mkdir -p "$state"
state=$(cd "$state" && pwd)

export HELMOP_CLUSTER_DIR=$state/cluster
export HELMOP_APISERVER_PORT=${HELMOP_DEMO_APISERVER_PORT:-17443}
export HELMOP_ETCD_PORT=${HELMOP_DEMO_ETCD_PORT:-13379}
export HELMOP_ETCD_PEER_PORT=${HELMOP_DEMO_ETCD_PEER_PORT:-13380}
export HELMOP_CONTROLLER_MANAGER_PORT=${HELMOP_DEMO_CONTROLLER_MANAGER_PORT:-17257}
export HELMOP_SCHEDULER_PORT=${HELMOP_DEMO_SCHEDULER_PORT:-17259}

say() { echo "demo: $*" >&2; }
stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; rm -f "$1"; }
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-}" = "down" ]; then
  stop_pid "$state/operator.pid"
  stop_pid "$state/repo.pid"
  bash "$root/e2e/cluster.sh" down
  exit 0
fi

jar=$root/operator/target/helmop-operator.jar
if [ ! -f "$jar" ]; then
  say "building the operator (mvn package)"
  (cd "$root" && mvn -B -q package -DskipTests)
fi

say "starting the demo's local control plane (the first run builds Kubernetes from source: see README for times)"
kubeconfig=$(bash "$root/e2e/cluster.sh" up | tail -n 1)
bin=$(bash "$root/e2e/cluster.sh" bin | tail -n 1)
export KUBECONFIG=$kubeconfig PATH=$bin:$PATH
export HELM_CACHE_HOME=$state/helm-cache HELM_CONFIG_HOME=$state/helm-config

say "installing the HelmRelease CRD"
kubectl apply --server-side -f "$root/crds/helmreleases.helmop.io-v1.yml" >/dev/null
kubectl wait --for=condition=Established crd/helmreleases.helmop.io --timeout=60s >/dev/null

if ! running "$state/repo.pid"; then
  say "serving examples/charts/* from http://127.0.0.1:$port"
  rm -rf "$state/charts" && mkdir -p "$state/charts"
  for chart in "$root"/examples/charts/*/; do
    helm package "$chart" --destination "$state/charts" >/dev/null
  done
  helm repo index "$state/charts"
  # exec: the recorded pid is the server's; redirected and detached so the caller's pipes close
  (cd "$state/charts" && exec python3 -m http.server "$port" --bind 127.0.0.1) \
    >"$state/repo.log" 2>&1 </dev/null &
  echo $! >"$state/repo.pid"
fi

# reused only if it acts on this control plane (the demo of an older checkout ran on the tests' one)
if running "$state/operator.pid" &&
  ! tr '\0' '\n' <"/proc/$(cat "$state/operator.pid")/environ" 2>/dev/null | grep -qxF "KUBECONFIG=$kubeconfig"; then
  say "stopping the operator of an earlier demo that acts on another control plane"
  stop_pid "$state/operator.pid"
fi
if ! running "$state/operator.pid"; then
  say "starting helmop (log: $state/operator.log)"
  # a copy of the jar: a later `mvn package` rewrites operator/target while the demo's operator still runs
  cp "$jar" "$state/helmop-operator.jar"
  HELMOP_CACHE_DIR=$state/cache nohup java -jar "$state/helmop-operator.jar" >"$state/operator.log" 2>&1 </dev/null &
  echo $! >"$state/operator.pid"
fi

kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f "$root/examples/hello.yaml"
say "waiting for the release to become Ready"
kubectl wait --for=condition=Ready helmrelease/hello -n demo --timeout=300s
kubectl get helmreleases -n demo
helm list -n demo
kubectl get deployment,pods -n demo
say "done. To use the demo's cluster with its kubectl and helm, paste this line into your shell:"
printf 'export KUBECONFIG=%q PATH=%q:"$PATH"\n' "$kubeconfig" "$bin"
say "then try: kubectl edit helmrelease hello -n demo (change values.message) and watch 'helm history hello -n demo'."
say "Stop everything with: e2e/demo.sh down"
