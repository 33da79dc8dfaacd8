#!/usr/bin/env bash
#
# e2e/cluster.sh - a real, local Kubernetes control plane for the helmop
# end-to-end tests, built from source via the Go module proxy (no Docker, no
# kind, no binary downloads).
#
#   e2e/cluster.sh up      build (or reuse cached) binaries, start etcd,
#                          kube-apiserver, kube-controller-manager,
#                          kube-scheduler and a KWOK fake node on 127.0.0.1;
#                          print the admin kubeconfig path as the LAST stdout line.
#                          A no-op (same output) when the cluster is already up.
#   e2e/cluster.sh down    stop everything `up` started and delete its state.
#   e2e/cluster.sh status  show component state; exit 0 only if the cluster is up.
#   e2e/cluster.sh build   only build/cache the binaries; print the bin dir.
#   e2e/cluster.sh bin     print the bin dir (kubectl, helm, registry, ...),
#                          building if needed.
#
# The bin dir also holds `registry`, the CNCF distribution registry (an OCI
# registry) that the e2e tests start themselves; `up` does not run it.
#
# The first `up` builds everything: ~8 min on 2 cores with empty Go caches
# (downloads ~1.3 GB of modules, ~4.4 GB Go build cache, ~450 MB binaries),
# plus ~1.5 min for the registry.
# Later `up`s reuse the cached binaries and take ~6 s.
#
# Needs: bash, curl, openssl, flock/setsid (util-linux), coreutils; and a Go
# toolchain (>= 1.24) only while binaries are not cached yet.
#
# Progress goes to stderr; stdout carries only the path(s) described above.
# Failures end with a single "cluster.sh: ERROR: ..." line on stderr naming
# what failed and where its log is, and a non-zero exit status.
#
# Environment (all optional):
#   HELMOP_CACHE                 cache root          (default ~/.cache/helmop)
#                                binaries: $HELMOP_CACHE/bin/<component>-<version>-<hash>/
#   HELMOP_CLUSTER_DIR           cluster state dir   (default $HELMOP_CACHE/cluster)
#                                logs/ pids/ pki/ etcd/ kubeconfig
#   HELMOP_APISERVER_PORT        kube-apiserver https port      (default 16443)
#   HELMOP_ETCD_PORT             etcd client port               (default 12379)
#   HELMOP_ETCD_PEER_PORT        etcd peer port                 (default 12380)
#   HELMOP_CONTROLLER_MANAGER_PORT  kube-controller-manager healthz port (default 16257)
#   HELMOP_SCHEDULER_PORT        kube-scheduler healthz port    (default 16259)
#   HELMOP_START_TIMEOUT         seconds to wait for each component (default 120)
#
# Every process listens on 127.0.0.1 only. The service CIDR (10.96.0.0/16) and
# the pod CIDR (10.244.0.0/16) are bookkeeping ranges: no traffic goes there,
# because the only node is a KWOK fake whose pods never really run.

set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Go wrapper modules (go.mod + go.sum pin every dependency).
readonly SRC_DIR="$SCRIPT_DIR/cluster"

# ---------------------------------------------------------------------------
# Pinned versions.
# Kubernetes, etcd and the registry are pinned by their wrapper modules' go.mod
# files (single source of truth, read below); KWOK and helm are installed with
# `go install pkg@version` (modules verified by the Go checksum database).
# ---------------------------------------------------------------------------
readonly KWOK_VERSION="v0.7.0"
readonly HELM_VERSION="v3.19.5"

go_mod_version() { # <go.mod> <module path>: the version the go.mod requires
	awk -v m="$2" '
		/=>/ { next }         # replace directives
		{ sub(/\/\/.*/, "") }  # comments
		{ for (i = 1; i < NF; i++) if ($i == m && $(i + 1) ~ /^v[0-9]/) { print $(i + 1); exit } }
	' "$1"
}
K8S_VERSION="$(go_mod_version "$SRC_DIR/k8s/go.mod" k8s.io/kubernetes)"
ETCD_VERSION="$(go_mod_version "$SRC_DIR/etcd/go.mod" go.etcd.io/etcd/server/v3)"
REGISTRY_VERSION="$(go_mod_version "$SRC_DIR/registry/go.mod" github.com/distribution/distribution/v3)"

# ---------------------------------------------------------------------------
# Locations and ports.
# ---------------------------------------------------------------------------
# Absolute paths: they end up in the components' command lines and must mean
# the same thing to a later `down` run from another directory.
CACHE_DIR="$(realpath -m "${HELMOP_CACHE:-$HOME/.cache/helmop}")"
readonly BIN_ROOT="$CACHE_DIR/bin"
STATE_DIR="$(realpath -m "${HELMOP_CLUSTER_DIR:-$CACHE_DIR/cluster}")"
readonly LOG_DIR="$STATE_DIR/logs"
readonly PID_DIR="$STATE_DIR/pids"
readonly PKI_DIR="$STATE_DIR/pki"
readonly ADMIN_KUBECONFIG="$STATE_DIR/kubeconfig"
# Marks a directory as ours, so `down` never deletes something else.
readonly STATE_MARKER="$STATE_DIR/.helmop-e2e-cluster"

readonly APISERVER_PORT="${HELMOP_APISERVER_PORT:-16443}"
readonly ETCD_PORT="${HELMOP_ETCD_PORT:-12379}"
readonly ETCD_PEER_PORT="${HELMOP_ETCD_PEER_PORT:-12380}"
readonly KCM_PORT="${HELMOP_CONTROLLER_MANAGER_PORT:-16257}"
readonly SCHEDULER_PORT="${HELMOP_SCHEDULER_PORT:-16259}"
readonly START_TIMEOUT="${HELMOP_START_TIMEOUT:-120}"

readonly APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"
readonly ETCD_URL="http://127.0.0.1:$ETCD_PORT"
readonly SERVICE_CIDR="10.96.0.0/16"
readonly POD_CIDR="10.244.0.1/16" # KWOK assigns pod IPs starting at this address
readonly NODE_NAME="kwok-node"
readonly CLUSTER_NAME="helmop-e2e"

# Start order; `down` stops in reverse.
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

# ---------------------------------------------------------------------------
# Messages and failure handling.
# ---------------------------------------------------------------------------
# Messages go to fd 7, a copy of the caller's stderr taken at startup: a
# signal trap or `die` may run while fd 2 is temporarily redirected (e.g.
# inside `check >/dev/null 2>&1`), and the final error line must not be lost.
# Started components get fd 7 closed (see start_process).
exec 7>&2
log() { printf '%s cluster.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&7; }

FAIL_MSG=""   # the one line printed last when we exit non-zero
LAST_ERR=""   # location of an unexpected failing command (ERR trap)
UP_STARTED=0  # set once `up` may have started processes
trap 'LAST_ERR="line $LINENO: $BASH_COMMAND"' ERR
trap on_exit EXIT
# Make an interrupted `up` (Ctrl-C, a test harness' timeout) clean up too.
trap 'FAIL_MSG="interrupted"; exit 130' INT
trap 'FAIL_MSG="terminated"; exit 143' TERM

die() { FAIL_MSG="$*"; exit 1; }

# Fail because of a component, showing the end of its log first.
die_component() { # <component> <what happened> [log file]
	local logf="${3:-$LOG_DIR/$1.log}"
	if [[ -s "$logf" ]]; then
		printf -- '----- last lines of %s -----\n' "$logf" >&7
		tail -n 15 "$logf" >&7 || true
		printf -- '-----\n' >&7
	fi
	die "$1 $2; see its log: $logf"
}

on_exit() {
	local rc=$?
	((rc != 0)) || return 0
	if ((UP_STARTED)); then
		# Do not leave half a cluster behind; keep the state dir for its logs
		# (the next `up` recognises it as stale and cleans it).
		stop_all || true
	fi
	if [[ -z "$FAIL_MSG" ]]; then
		FAIL_MSG="'${COMMAND:-cluster.sh}' failed unexpectedly at ${LAST_ERR:-unknown location} (exit $rc); logs: $LOG_DIR"
	fi
	printf 'cluster.sh: ERROR: %s\n' "$FAIL_MSG" >&7
}

# Serialise concurrent invocations (e.g. several test JVMs calling `up`).
# The lock lives next to the state dir so that `down` can delete the latter.
# fd 9 is closed for every process we start (see start_process), otherwise the
# daemons would hold the lock forever.
take_cluster_lock() {
	mkdir -p "$(dirname "$STATE_DIR")"
	exec 9>"$STATE_DIR.lock"
	flock -w 3600 9 || die "could not lock $STATE_DIR.lock (another cluster.sh is stuck?)"
}

# ---------------------------------------------------------------------------
# Building and caching binaries.
# Each component goes to its own directory keyed by version and by a hash of
# everything that influences the build (go.mod/go.sum, ldflags, platform), so
# a version bump rebuilds and an unchanged checkout reuses the cache. The bin
# dir handed to tests is a directory of symlinks keyed the same way.
# ---------------------------------------------------------------------------
host_goarch() {
	case "$(uname -m)" in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) uname -m ;;
	esac
}

hash_of() { # <strings/files...>: short content hash
	local item
	for item in "$@"; do
		# Absolute paths of files contribute their content, anything else itself.
		if [[ "$item" == /* && -f "$item" ]]; then cat "$item"; else printf '%s\n' "$item"; fi
	done | sha256sum | cut -c1-10
}

# ldflags that stamp the real version into the Kubernetes binaries, so that
# `kubectl version` and the apiserver's /version report it (Go's module build
# would otherwise report v0.0.0-master+$Format:...$).
k8s_ldflags() {
	local minor="${K8S_VERSION#v1.}"
	minor="${minor%%.*}"
	local flags="-s -w" pkg
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
		flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
	done
	echo "$flags"
}

# helm normally stamps its version (and the Kubernetes minor of its client-go,
# used for .Capabilities defaults) from git; do the same from the version.
helm_ldflags() {
	local v="helm.sh/helm/v3/internal/version"
	local flags="-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean"
	if [[ -n "${1:-}" ]]; then
		flags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$1"
		flags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$1"
	fi
	echo "$flags"
}

# The registry reports this version (`registry --version`) instead of "+unknown".
registry_ldflags() {
	echo "-s -w -X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION"
}

PLATFORM="linux/$(host_goarch)"
K8S_DIR="$BIN_ROOT/kubernetes-$K8S_VERSION-$(hash_of "$PLATFORM" "$(k8s_ldflags)" "$SRC_DIR/k8s/go.mod" "$SRC_DIR/k8s/go.sum")"
ETCD_DIR="$BIN_ROOT/etcd-$ETCD_VERSION-$(hash_of "$PLATFORM" "$SRC_DIR/etcd/go.mod" "$SRC_DIR/etcd/go.sum")"
KWOK_DIR="$BIN_ROOT/kwok-$KWOK_VERSION-$(hash_of "$PLATFORM" "$KWOK_VERSION")"
HELM_DIR="$BIN_ROOT/helm-$HELM_VERSION-$(hash_of "$PLATFORM" "$(helm_ldflags)")"
REGISTRY_DIR="$BIN_ROOT/registry-$REGISTRY_VERSION-$(hash_of "$PLATFORM" "$(registry_ldflags)" \
	"$SRC_DIR/registry/go.mod" "$SRC_DIR/registry/go.sum" "$SRC_DIR/registry/main.go")"
BIN_DIR="$BIN_ROOT/set-$K8S_VERSION-$(hash_of "$K8S_DIR" "$ETCD_DIR" "$KWOK_DIR" "$HELM_DIR" "$REGISTRY_DIR")"

require_go() { # <what needs it>
	command -v go >/dev/null 2>&1 ||
		die "Go toolchain ('go') not found in PATH; it is needed to build $1 (built binaries are cached under $BIN_ROOT)"
}

# Run a build into a temporary directory and move it into place only when it
# succeeded, so an interrupted build is never mistaken for a cached one.
build_component() { # <name> <final dir> <build function>
	local name=$1 dir=$2 fn=$3
	[[ -d "$dir" ]] && return 0
	require_go "$name"
	local logf="$BIN_ROOT/build-$name.log" tmp="$dir.tmp.$$"
	rm -rf "$tmp" && mkdir -p "$tmp"
	log "building $name into $dir (log: $logf)"
	local start=$SECONDS
	if ! (
		export CGO_ENABLED=0 GOWORK=off
		"$fn" "$tmp"
	) >"$logf" 2>&1 </dev/null; then
		rm -rf "$tmp"
		die_component "build of $name" "failed" "$logf"
	fi
	mv -T "$tmp" "$dir"
	log "built $name in $((SECONDS - start))s"
}

# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl share
# most packages, so they are built by one `go build` (one compile of each
# shared package). Cold (empty Go build cache): ~4.5 min on 2 cores.
go_build_kubernetes() {
	cd "$SRC_DIR/k8s" || return 1
	go build -mod=readonly -trimpath -ldflags "$(k8s_ldflags)" -o "$1/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kubectl
}

# etcd's own go.mod replaces its sibling modules with relative paths, so it
# cannot be `go install`ed by version; the wrapper module pins them instead.
go_build_etcd() {
	cd "$SRC_DIR/etcd" || return 1
	go build -mod=readonly -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}

go_build_kwok() {
	cd "$SRC_DIR" || return 1
	GOBIN="$1" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

go_build_helm() {
	cd "$SRC_DIR" || return 1
	# Kubernetes minor of the client-go that this helm release uses (as its Makefile does).
	local gomod minor
	gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')" || return 1
	minor="$(go_mod_version "$gomod" k8s.io/client-go | cut -d. -f2)" || return 1
	GOBIN="$1" go install -trimpath -ldflags "$(helm_ldflags "$minor")" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

# The registry's own main package links every storage driver (S3, GCS,
# Azure: ~1.1 GB of modules, ~3 min cold); the wrapper's main links only the
# filesystem driver and htpasswd (~250 MB of modules, ~1.5 min cold).
go_build_registry() {
	cd "$SRC_DIR/registry" || return 1
	go build -mod=readonly -trimpath -ldflags "$(registry_ldflags)" -o "$1/registry" .
}

ensure_binaries() {
	[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" && -n "$REGISTRY_VERSION" ]] ||
		die "cannot read pinned versions from the go.mod files under $SRC_DIR"
	[[ -d "$BIN_DIR" ]] && return 0
	mkdir -p "$BIN_ROOT"
	exec 8>"$BIN_ROOT/.build.lock"
	flock -w 7200 8 || die "could not lock $BIN_ROOT/.build.lock (another build is stuck?)"
	# Leftovers of interrupted builds (safe: we hold the build lock).
	rm -rf "$BIN_ROOT"/*.tmp.*
	build_component etcd "$ETCD_DIR" go_build_etcd
	build_component kubernetes "$K8S_DIR" go_build_kubernetes
	build_component kwok "$KWOK_DIR" go_build_kwok
	build_component helm "$HELM_DIR" go_build_helm
	build_component registry "$REGISTRY_DIR" go_build_registry
	if [[ ! -d "$BIN_DIR" ]]; then
		local tmp="$BIN_DIR.tmp.$$" dir f
		rm -rf "$tmp" && mkdir -p "$tmp"
		for dir in "$ETCD_DIR" "$K8S_DIR" "$KWOK_DIR" "$HELM_DIR" "$REGISTRY_DIR"; do
			for f in "$dir"/*; do ln -s "$f" "$tmp/$(basename "$f")"; done
		done
		mv -T "$tmp" "$BIN_DIR"
	fi
	exec 8>&-
}

# ---------------------------------------------------------------------------
# Processes. Each component runs in its own session (setsid) with stdin from
# /dev/null and stdout/stderr in its log file, so nothing stays attached to
# the caller's terminal or pipes (a JUnit/Maven caller would otherwise wait for
# the pipe to close) and a Ctrl-C in the caller does not kill the cluster.
# ---------------------------------------------------------------------------
start_process() { # <component> <env/command...>
	local name=$1
	shift
	setsid env "$@" </dev/null >"$LOG_DIR/$name.log" 2>&1 7>&- 8>&- 9>&- &
	local pid=$!
	echo "$pid" >"$PID_DIR/$name.pid"
	# Until the forked shell has exec'd the command, its command line is this
	# script's, and is_running would take the starting component for a dead
	# one (seen on a loaded machine): wait for the exec.
	local tries=0
	while alive "$pid" && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE_DIR/"; do
		((++tries < 100)) || break
		sleep 0.05
	done
}

pid_of() { cat "$PID_DIR/$1.pid" 2>/dev/null || true; }

# A process that exited stays a zombie until its parent (init, for our
# detached daemons) reaps it, which can take seconds; count that as exited.
alive() { # <pid>
	local state
	state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" && [[ -n "$state" && "$state" != Z ]]
}

any_alive() { # <pid...>
	local pid
	for pid in "$@"; do alive "$pid" && return 0; done
	return 1
}

# Running = the recorded pid is alive AND is one of ours (its command line
# mentions our state dir), so a recycled pid is never mistaken for it.
is_running() { # <component>
	local pid
	pid="$(pid_of "$1")"
	[[ -n "$pid" ]] && alive "$pid" &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE_DIR/"
}

# SIGTERM all components at once (they shut down in parallel), give them up
# to 15s, then SIGKILL whatever is left.
stop_all() {
	local c pid pids=() i
	for c in "${COMPONENTS[@]}"; do
		if is_running "$c"; then
			pid="$(pid_of "$c")"
			log "stopping $c (pid $pid)"
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
	done
	for ((i = 0; i < 150; i++)); do
		any_alive "${pids[@]}" || break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do
		if alive "$pid"; then
			log "pid $pid did not exit after SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	rm -f "$PID_DIR"/*.pid
}

# Poll <check...> until it succeeds; fail early if the component died.
wait_until() { # <component> <description> <check command...>
	local name=$1 what=$2
	shift 2
	local deadline=$((SECONDS + START_TIMEOUT))
	until "$@" >/dev/null 2>&1; do
		is_running "$name" || die_component "$name" "exited during startup (waiting for $what)"
		((SECONDS < deadline)) || die_component "$name" "did not become ready within ${START_TIMEOUT}s (waiting for $what)"
		sleep 0.3
	done
}

port_owner() { # <port>: "name (pid N)" of the listener, if ss can tell
	command -v ss >/dev/null 2>&1 || return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/ by \1 (pid \2)/p' | head -n 1
}

# Refuse to start when a port is taken, with a message naming the port, the
# variable that moves it and (if visible) the process holding it.
check_port_free() { # <port> <component> <env var>
	if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then
		die "port 127.0.0.1:$1 needed by $2 is already in use$(port_owner "$1"); stop that process or set $3 to a free port"
	fi
}

# ---------------------------------------------------------------------------
# Certificates and kubeconfigs (openssl; RSA keys in PKCS#1 PEM, which every
# client library - including the Java ones - can read).
# ---------------------------------------------------------------------------
issue_cert() { # <name> <subject> <extendedKeyUsage> [subjectAltName]; env CA: signing CA (default ca)
	local name=$1 subj=$2 eku=$3 san=${4:-} ca=${CA:-ca}
	openssl genrsa -traditional -out "$PKI_DIR/$name.key" 2048 2>/dev/null
	openssl req -new -key "$PKI_DIR/$name.key" -subj "$subj" -out "$PKI_DIR/$name.csr"
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=$eku"
		[[ -z "$san" ]] || echo "subjectAltName=$san"
	} >"$PKI_DIR/$name.ext"
	openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.crt" -CAkey "$PKI_DIR/$ca.key" \
		-CAcreateserial -days 3650 -sha256 -extfile "$PKI_DIR/$name.ext" -out "$PKI_DIR/$name.crt" 2>/dev/null
	rm -f "$PKI_DIR/$name.csr" "$PKI_DIR/$name.ext"
}

new_ca() { # <name> <common name>
	openssl genrsa -traditional -out "$PKI_DIR/$1.key" 2048 2>/dev/null
	openssl req -x509 -new -key "$PKI_DIR/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
		-out "$PKI_DIR/$1.crt"
}

generate_pki() {
	mkdir -p "$PKI_DIR"
	new_ca ca "$CLUSTER_NAME-ca"
	# Serving cert: 127.0.0.1/localhost is what clients use; the in-cluster
	# names and the `kubernetes` service IP keep pods' clients happy too.
	issue_cert kube-apiserver "/CN=kube-apiserver" serverAuth \
		"IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	# Admin: any user in the system:masters group is cluster-admin.
	issue_cert admin "/O=system:masters/CN=$CLUSTER_NAME-admin" clientAuth
	# Controller-manager and scheduler use the identities that the RBAC
	# bootstrap policy already grants exactly what they need.
	issue_cert kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
	issue_cert kube-scheduler "/CN=system:kube-scheduler" clientAuth
	# Front proxy (request-header authentication), as kubeadm sets it up:
	# without it the controller-manager and scheduler log an error every few
	# seconds, and aggregated API servers could not authenticate requests.
	new_ca front-proxy-ca "$CLUSTER_NAME-front-proxy-ca"
	CA=front-proxy-ca issue_cert front-proxy-client "/CN=front-proxy-client" clientAuth
	# Key pair that signs and verifies service-account tokens.
	openssl genrsa -traditional -out "$PKI_DIR/sa.key" 2048 2>/dev/null
	openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
	chmod 600 "$PKI_DIR"/*.key
}

write_kubeconfig() { # <file> <cert name>: self-contained (all data embedded)
	local file=$1 cert=$2
	(
		umask 077
		cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 "$PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI_DIR/$cert.key")
contexts:
- name: $CLUSTER_NAME
  context:
    cluster: $CLUSTER_NAME
    user: $cert
current-context: $CLUSTER_NAME
EOF
	)
}

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig="$ADMIN_KUBECONFIG" "$@"; }

# ---------------------------------------------------------------------------
# Components.
# ---------------------------------------------------------------------------
start_etcd() {
	log "starting etcd $ETCD_VERSION on $ETCD_URL"
	# --unsafe-no-fsync: the data is thrown away anyway; fsync dominates the
	# latency of every write on small VMs.
	start_process etcd "$BIN_DIR/etcd" \
		--name="$CLUSTER_NAME" \
		--data-dir="$STATE_DIR/etcd" \
		--listen-client-urls="$ETCD_URL" \
		--advertise-client-urls="$ETCD_URL" \
		--listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster="$CLUSTER_NAME=http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster-state=new \
		--unsafe-no-fsync \
		--auto-compaction-mode=periodic --auto-compaction-retention=5m \
		--quota-backend-bytes=$((4 * 1024 * 1024 * 1024))
	wait_until etcd "$ETCD_URL/health" etcd_healthy
}
etcd_healthy() { curl -fsS --noproxy '*' -m 2 "$ETCD_URL/health" | grep -q '"health":"true"'; }

start_apiserver() {
	log "starting kube-apiserver $K8S_VERSION on $APISERVER_URL"
	# --advertise-address=127.0.0.1 keeps the apiserver from advertising the
	# host's external IP. Endpoints may not hold loopback addresses, so the
	# reconciler for the `kubernetes` service's endpoints is switched off
	# (it would fail every few seconds); nothing in this cluster dials it.
	# (With it off, the apiserver logs one harmless "Found stale data" error.)
	start_process kube-apiserver "$BIN_DIR/kube-apiserver" \
		--bind-address=127.0.0.1 \
		--advertise-address=127.0.0.1 \
		--endpoint-reconciler-type=none \
		--secure-port="$APISERVER_PORT" \
		--etcd-servers="$ETCD_URL" \
		--tls-cert-file="$PKI_DIR/kube-apiserver.crt" \
		--tls-private-key-file="$PKI_DIR/kube-apiserver.key" \
		--client-ca-file="$PKI_DIR/ca.crt" \
		--service-account-issuer=https://kubernetes.default.svc.cluster.local \
		--service-account-key-file="$PKI_DIR/sa.pub" \
		--service-account-signing-key-file="$PKI_DIR/sa.key" \
		--service-cluster-ip-range="$SERVICE_CIDR" \
		--requestheader-client-ca-file="$PKI_DIR/front-proxy-ca.crt" \
		--requestheader-allowed-names=front-proxy-client \
		--requestheader-username-headers=X-Remote-User \
		--requestheader-group-headers=X-Remote-Group \
		--requestheader-extra-headers-prefix=X-Remote-Extra- \
		--proxy-client-cert-file="$PKI_DIR/front-proxy-client.crt" \
		--proxy-client-key-file="$PKI_DIR/front-proxy-client.key" \
		--authorization-mode=Node,RBAC \
		--allow-privileged=true \
		--profiling=false
	wait_until kube-apiserver "$APISERVER_URL/readyz" apiserver_ready
}
apiserver_ready() {
	curl -fsS --noproxy '*' -m 5 --cacert "$PKI_DIR/ca.crt" \
		--cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "$APISERVER_URL/readyz" | grep -qx ok
}

start_controller_manager() {
	log "starting kube-controller-manager (healthz on 127.0.0.1:$KCM_PORT)"
	local kc="$STATE_DIR/kube-controller-manager.kubeconfig"
	write_kubeconfig "$kc" kube-controller-manager
	# Needed for ReplicaSets/Deployments, Jobs, namespaces' default service
	# account, garbage collection... Cloud controllers are off without a cloud
	# provider; node IPAM is off without --allocate-node-cidrs. The node
	# monitor grace period is long: with the default, the node lifecycle
	# controller saw KWOK's node heartbeat late about once a minute, marked the
	# node NotReady and set its pods' Ready condition to False, which KWOK
	# never sets back, so Deployments stayed unavailable and Helm's --wait
	# timed out. (The controller stays on: it removes the not-ready taint a
	# new node gets, so pods can schedule.)
	start_process kube-controller-manager "$BIN_DIR/kube-controller-manager" \
		--kubeconfig="$kc" \
		--authentication-kubeconfig="$kc" \
		--authorization-kubeconfig="$kc" \
		--bind-address=127.0.0.1 \
		--secure-port="$KCM_PORT" \
		--cert-dir="$STATE_DIR/kube-controller-manager" \
		--leader-elect=false \
		--controllers='*' \
		--node-monitor-grace-period=1h \
		--use-service-account-credentials=true \
		--service-account-private-key-file="$PKI_DIR/sa.key" \
		--root-ca-file="$PKI_DIR/ca.crt" \
		--cluster-signing-cert-file="$PKI_DIR/ca.crt" \
		--cluster-signing-key-file="$PKI_DIR/ca.key" \
		--service-cluster-ip-range="$SERVICE_CIDR" \
		--cluster-name="$CLUSTER_NAME" \
		--kube-api-qps=100 --kube-api-burst=200 \
		--profiling=false
}

start_scheduler() {
	log "starting kube-scheduler (healthz on 127.0.0.1:$SCHEDULER_PORT)"
	local kc="$STATE_DIR/kube-scheduler.kubeconfig"
	write_kubeconfig "$kc" kube-scheduler
	start_process kube-scheduler "$BIN_DIR/kube-scheduler" \
		--kubeconfig="$kc" \
		--authentication-kubeconfig="$kc" \
		--authorization-kubeconfig="$kc" \
		--bind-address=127.0.0.1 \
		--secure-port="$SCHEDULER_PORT" \
		--cert-dir="$STATE_DIR/kube-scheduler" \
		--leader-elect=false \
		--profiling=false
}
healthz_ok() { curl -fsSk --noproxy '*' -m 2 "https://127.0.0.1:$1/healthz" | grep -qx ok; }

# One fake node. KWOK (with its default "fast" stages) keeps it Ready, marks
# pods bound to it Running+Ready, completes Running pods owned by Jobs and
# deletes terminating pods. Nothing is executed, so no images are pulled.
register_node() {
	log "registering KWOK node $NODE_NAME"
	local arch
	arch="$(host_goarch)"
	# Node status (capacity) may be set on create; KWOK keeps it. Room for
	# the benchmark's fleet of 1,000 (50m CPU each) beside everything else;
	# a node registered by an earlier cluster.sh gets it through its status.
	local room='{"cpu": "256", "memory": "1Ti", "pods": "5000", "ephemeral-storage": "1Ti"}'
	kubectl_admin apply -f - >"$LOG_DIR/node.log" 2>&1 <<EOF ||
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: $arch
    node-role.kubernetes.io/agent: ""
status:
  allocatable: $room
  capacity: $room
  nodeInfo:
    architecture: $arch
    operatingSystem: linux
EOF
		die_component kube-apiserver "did not accept node $NODE_NAME" "$LOG_DIR/node.log"
	kubectl_admin patch node "$NODE_NAME" --subresource=status --type=merge \
		-p "{\"status\": {\"allocatable\": $room, \"capacity\": $room}}" >>"$LOG_DIR/node.log" 2>&1 ||
		die_component kube-apiserver "did not accept the capacity of node $NODE_NAME" "$LOG_DIR/node.log"
}

start_kwok() {
	log "starting kwok $KWOK_VERSION (manages all nodes; no listening ports)"
	# kwok uses the admin identity (it patches node and pod status, leases).
	local kc="$STATE_DIR/kwok.kubeconfig"
	write_kubeconfig "$kc" admin
	# HOME points into the state dir so that a user's ~/.kwok/kwok.yaml (which
	# kwok always loads) cannot change the behaviour. The node's address is
	# 127.0.0.1 so that anything dialling the "kubelet" (kubectl logs/exec)
	# stays on loopback and simply gets "connection refused".
	mkdir -p "$STATE_DIR/kwok"
	start_process kwok HOME="$STATE_DIR/kwok" "$BIN_DIR/kwok" \
		--kubeconfig="$kc" \
		--manage-all-nodes=true \
		--cidr="$POD_CIDR" \
		--node-ip=127.0.0.1
}

node_ready_and_untainted() {
	[[ "$(kubectl_admin get node "$NODE_NAME" \
		-o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.spec.taints}')" == "True/" ]]
}
default_service_account_exists() { kubectl_admin -n default get serviceaccount default; }

# ---------------------------------------------------------------------------
# Commands.
# ---------------------------------------------------------------------------

# The cluster counts as up when all components run from the current bin dir
# and the apiserver answers.
cluster_is_up() {
	[[ -f "$STATE_MARKER" && "$(cat "$STATE_DIR/bin-dir" 2>/dev/null)" == "$BIN_DIR" ]] || return 1
	local c
	for c in "${COMPONENTS[@]}"; do is_running "$c" || return 1; done
	apiserver_ready 2>/dev/null
}

# Remove a state dir, but only if it is one of ours.
remove_state() {
	[[ -e "$STATE_DIR" ]] || return 0
	if [[ ! -f "$STATE_MARKER" ]] && [[ -n "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
		die "refusing to delete $STATE_DIR: it is not a cluster.sh state dir (no $(basename "$STATE_MARKER")); set HELMOP_CLUSTER_DIR elsewhere or remove it yourself"
	fi
	rm -rf "$STATE_DIR"
}

check_tools() {
	local t
	for t in curl openssl flock setsid base64 sha256sum timeout; do
		command -v "$t" >/dev/null 2>&1 || die "required tool '$t' not found in PATH"
	done
}

cmd_up() {
	check_tools
	ensure_binaries
	take_cluster_lock
	if cluster_is_up; then
		log "cluster already up ($APISERVER_URL)"
		echo "$ADMIN_KUBECONFIG"
		return 0
	fi
	if [[ -e "$STATE_DIR" ]]; then
		log "cleaning stale cluster state in $STATE_DIR"
		[[ -f "$STATE_MARKER" ]] && stop_all
		remove_state
	fi

	check_port_free "$ETCD_PORT" etcd HELMOP_ETCD_PORT
	check_port_free "$ETCD_PEER_PORT" "etcd (peer)" HELMOP_ETCD_PEER_PORT
	check_port_free "$APISERVER_PORT" kube-apiserver HELMOP_APISERVER_PORT
	check_port_free "$KCM_PORT" kube-controller-manager HELMOP_CONTROLLER_MANAGER_PORT
	check_port_free "$SCHEDULER_PORT" kube-scheduler HELMOP_SCHEDULER_PORT

	local start=$SECONDS
	mkdir -p "$STATE_DIR" "$LOG_DIR" "$PID_DIR"
	touch "$STATE_MARKER"
	echo "$BIN_DIR" >"$STATE_DIR/bin-dir"
	UP_STARTED=1

	log "state dir: $STATE_DIR"
	generate_pki
	write_kubeconfig "$ADMIN_KUBECONFIG" admin

	start_etcd
	start_apiserver
	start_controller_manager
	start_scheduler
	register_node
	start_kwok

	wait_until kube-controller-manager "healthz on 127.0.0.1:$KCM_PORT" healthz_ok "$KCM_PORT"
	wait_until kube-scheduler "healthz on 127.0.0.1:$SCHEDULER_PORT" healthz_ok "$SCHEDULER_PORT"
	# Pods can only be created once the namespace has its default service
	# account (created by the controller-manager).
	wait_until kube-controller-manager "service account default/default" default_service_account_exists
	# The node-lifecycle controller taints a new node not-ready until KWOK
	# reports it Ready; wait for both so pods schedule immediately.
	wait_until kwok "node $NODE_NAME Ready and untainted" node_ready_and_untainted

	UP_STARTED=0
	log "cluster up in $((SECONDS - start))s: $APISERVER_URL (kubectl/helm in $BIN_DIR)"
	echo "$ADMIN_KUBECONFIG"
}

cmd_down() {
	take_cluster_lock
	if [[ ! -e "$STATE_DIR" ]]; then
		log "no cluster state in $STATE_DIR; nothing to do"
		return 0
	fi
	[[ -f "$STATE_MARKER" ]] && stop_all
	remove_state
	log "cluster stopped; removed $STATE_DIR"
}

cmd_status() {
	local c up=0
	printf 'state dir:  %s\n' "$STATE_DIR"
	printf 'bin dir:    %s%s\n' "$BIN_DIR" "$([[ -d "$BIN_DIR" ]] || echo ' (not built)')"
	for c in "${COMPONENTS[@]}"; do
		if is_running "$c"; then
			printf '%-24s running (pid %s)  log: %s\n' "$c" "$(pid_of "$c")" "$LOG_DIR/$c.log"
		else
			printf '%-24s stopped\n' "$c"
		fi
	done
	if cluster_is_up; then
		up=1
		printf 'apiserver:  %s ready\nkubeconfig: %s\n' "$APISERVER_URL" "$ADMIN_KUBECONFIG"
	fi
	if ((!up)); then
		echo "cluster is not up"
		trap - EXIT # a down cluster is an answer, not an error
		exit 1
	fi
}

usage() { # the header comment of this file
	awk 'NR > 1 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
}

COMMAND="${1:-}"
case "$COMMAND" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
build | bin)
	check_tools
	ensure_binaries
	echo "$BIN_DIR"
	;;
-h | --help | help) usage ;;
*)
	usage
	die "unknown command '${COMMAND}'; use up, down, status, build or bin"
	;;
esac
