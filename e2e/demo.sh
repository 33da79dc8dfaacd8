#!/usr/bin/env bash
# The quickstart: starts the local control plane, installs the CRD, serves the example chart from a chart
# repository on 127.0.0.1, runs the operator, applies examples/hello.yaml and waits until it is Ready.
#   e2e/demo.sh        run it (again: reuses what is already running)
#   e2e/demo.sh down   stop the operator, the chart repository and the control plane
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${HELMOP_DEMO_DIR:-$HOME/.cache/helmop/demo}
port=18879
mkdir -p "$state"

say() { echo "demo: $*" >&2; }
stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; rm -f "$1"; }

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

say "starting the local control plane (the first run builds Kubernetes from source: see README for times)"
kubeconfig=$(bash "$root/e2e/cluster.sh" up | tail -n 1)
bin=$(bash "$root/e2e/cluster.sh" bin | tail -n 1)
export KUBECONFIG=$kubeconfig PATH=$bin:$PATH
export HELM_CACHE_HOME=$state/helm-cache HELM_CONFIG_HOME=$state/helm-config

say "installing the HelmRelease CRD"
kubectl apply --server-side -f "$root/crds/helmreleases.helmop.io-v1.yml" >/dev/null
kubectl wait --for=condition=Established crd/helmreleases.helmop.io --timeout=60s >/dev/null

if ! { [ -f "$state/repo.pid" ] && kill -0 "$(cat "$state/repo.pid")" 2>/dev/null; }; then
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

if ! { [ -f "$state/operator.pid" ] && kill -0 "$(cat "$state/operator.pid")" 2>/dev/null; }; then
  say "starting helmop (log: $state/operator.log)"
  HELMOP_CACHE_DIR=$state/cache nohup java -jar "$jar" >"$state/operator.log" 2>&1 </dev/null &
  echo $! >"$state/operator.pid"
fi

kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f "$root/examples/hello.yaml"
say "waiting for the release to become Ready"
kubectl wait --for=condition=Ready helmrelease/hello -n demo --timeout=300s
kubectl get helmreleases -n demo
helm list -n demo
kubectl get deployment,pods -n demo
say "done. Try: kubectl edit helmrelease hello -n demo (change values.message) and watch 'helm history hello -n demo'."
say "Stop everything with: e2e/demo.sh down"
