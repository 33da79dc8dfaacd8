#!/usr/bin/env bash
#
# e2e/bench.sh - helmop side by side with Flux's helm-controller and
# source-controller and the helm CLI, on the local control plane of
# e2e/cluster.sh (FluxComparisonBenchmarkIT does the measuring).
#
#   e2e/bench.sh [--size smoke|full] [-D<property>=<value>...]
#                  build what is missing, run the comparison, print its table
#                  (the table also goes to e2e/target/flux-comparison.md).
#                  smoke: fleet 3, 2 installs, steady 20 s (what `mvn verify`
#                  runs); full: fleets 100/500/1000, 20 installs, steady 10 min.
#   e2e/bench.sh build   build (or reuse cached) Flux binaries; print their dir.
#   e2e/bench.sh crds    print the Flux CRD files (from the Go module cache),
#                        one a line; downloads the modules when missing.
#   e2e/bench.sh versions  print the pinned Flux versions.
#
# Flux is built from the Go module proxy at the versions pinned by the wrapper
# modules in e2e/cluster/flux-*/go.mod, cached like cluster.sh's binaries under
# ${HELMOP_CACHE:-~/.cache/helmop}/bin/flux-<version>-<hash>/, with the build
# log beside it (build-flux.log). Nothing of Flux is committed: its CRDs are
# read from the module cache at run time.
#
# The same HELMOP_* variables as e2e/cluster.sh choose the control plane.

set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SRC_DIR="$SCRIPT_DIR/cluster"
readonly HC_MOD="$SRC_DIR/flux-helm-controller"
readonly SC_MOD="$SRC_DIR/flux-source-controller"

log() { printf '%s bench.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench.sh: ERROR: %s\n' "$*" >&2; exit 1; }

go_mod_version() { # <go.mod> <module path>: the version the go.mod requires
	awk -v m="$2" '
		/=>/ { next }
		{ sub(/\/\/.*/, "") }
		{ for (i = 1; i < NF; i++) if ($i == m && $(i + 1) ~ /^v[0-9]/) { print $(i + 1); exit } }
	' "$1"
}
HC_VERSION="$(go_mod_version "$HC_MOD/go.mod" github.com/fluxcd/helm-controller)"
SC_VERSION="$(go_mod_version "$SC_MOD/go.mod" github.com/fluxcd/source-controller)"
[[ -n "$HC_VERSION" && -n "$SC_VERSION" ]] || die "cannot read the pinned Flux versions from $SRC_DIR/flux-*/go.mod"

CACHE_DIR="$(realpath -m "${HELMOP_CACHE:-$HOME/.cache/helmop}")"
readonly BIN_ROOT="$CACHE_DIR/bin"
hash_of() { # <strings/files...>: short content hash
	local item
	for item in "$@"; do
		if [[ "$item" == /* && -f "$item" ]]; then cat "$item"; else printf '%s\n' "$item"; fi
	done | sha256sum | cut -c1-10
}
readonly LDFLAGS="-s -w"
FLUX_DIR="$BIN_ROOT/flux-hc$HC_VERSION-sc$SC_VERSION-$(hash_of "linux/$(uname -m)" "$LDFLAGS" \
	"$HC_MOD/go.mod" "$HC_MOD/go.sum" "$SC_MOD/go.mod" "$SC_MOD/go.sum")"

# Built into a temporary directory and moved into place only when both
# builds succeeded, so an interrupted build is never taken for a cached one.
cmd_build() {
	if [[ ! -x "$FLUX_DIR/helm-controller" || ! -x "$FLUX_DIR/source-controller" ]]; then
		command -v go >/dev/null 2>&1 || die "Go toolchain ('go') not found in PATH; it builds Flux (cached in $BIN_ROOT)"
		mkdir -p "$BIN_ROOT"
		exec 8>"$BIN_ROOT/.build-flux.lock"
		flock -w 7200 8 || die "could not lock $BIN_ROOT/.build-flux.lock (another build is stuck?)"
		if [[ ! -d "$FLUX_DIR" ]]; then
			local logf="$BIN_ROOT/build-flux.log" tmp="$FLUX_DIR.tmp.$$" start=$SECONDS
			rm -rf "$BIN_ROOT"/flux-*.tmp.* && mkdir -p "$tmp"
			log "building Flux helm-controller $HC_VERSION and source-controller $SC_VERSION into $FLUX_DIR (log: $logf)"
			if ! (
				export CGO_ENABLED=0 GOWORK=off
				cd "$HC_MOD" && go build -mod=readonly -trimpath -ldflags "$LDFLAGS" -o "$tmp/" github.com/fluxcd/helm-controller
				cd "$SC_MOD" && go build -mod=readonly -trimpath -ldflags "$LDFLAGS" -o "$tmp/" github.com/fluxcd/source-controller
			) >"$logf" 2>&1 </dev/null; then
				rm -rf "$tmp"
				tail -n 15 "$logf" >&2 || true
				die "the Flux build failed; see its log: $logf"
			fi
			mv -T "$tmp" "$FLUX_DIR"
			log "built Flux in $((SECONDS - start))s"
		fi
	fi
	echo "$FLUX_DIR"
}

module_dir() { # <module> <version>: its directory in the Go module cache (downloaded when missing)
	(cd "$SRC_DIR" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1@$2") |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

cmd_crds() {
	local dir
	for mod in "github.com/fluxcd/helm-controller $HC_VERSION" "github.com/fluxcd/source-controller $SC_VERSION"; do
		# shellcheck disable=SC2086
		dir="$(module_dir $mod)"
		[[ -d "$dir/config/crd/bases" ]] || die "no config/crd/bases in the module cache for $mod (dir: '${dir}')"
		ls "$dir"/config/crd/bases/*.yaml
	done
}

cmd_run() {
	local size=full args=()
	while (($#)); do
		case "$1" in
		--size) size="${2:-}"; shift 2 ;;
		--size=*) size="${1#*=}"; shift ;;
		-D*) args+=("$1"); shift ;;
		*) die "unknown argument '$1' (use --size smoke|full and -Dproperty=value)" ;;
		esac
	done
	# full: the sizes of e2e/pom.xml's benchmarks profile; smoke: those of `mvn verify`
	case "$size" in
	full) ;;
	smoke) args=(-Dhelmop.bench.singles=2 -Dhelmop.bench.fleets=3 -Dhelmop.bench.steady=20
		-Dhelmop.bench.interval=15s -Dhelmop.bench.chain=2 -Dhelmop.bench.storm=5 "${args[@]}") ;;
	*) die "unknown size '$size' (smoke or full)" ;;
	esac
	cmd_build >/dev/null
	cd "$SCRIPT_DIR/.." || exit 1
	mvn -B verify -pl crds,operator,e2e -am -Pbenchmarks -Dit.test=FluxComparisonBenchmarkIT -Dtest=none \
		-Dsurefire.failIfNoSpecifiedTests=false "${args[@]}"
	cat e2e/target/flux-comparison.md
}

case "${1:-run}" in
build) cmd_build ;;
crds) cmd_crds ;;
versions) echo "helm-controller $HC_VERSION"; echo "source-controller $SC_VERSION" ;;
run) shift || true; cmd_run "$@" ;;
--size* | -D*) cmd_run "$@" ;;
-h | --help | help) awk 'NR > 1 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2 ;;
*) die "unknown command '$1'; use build, crds, versions or run (the default)" ;;
esac
