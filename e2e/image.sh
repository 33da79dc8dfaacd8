#!/usr/bin/env bash
#
# e2e/image.sh - build and check the operator's container image on a machine that cannot pull the real base
# image (eclipse-temurin:17-jre): no Docker engine, no registry but 127.0.0.1.
#
#   e2e/image.sh base     write a stand-in base image, target/image/base.tar ("docker save" layout): a JRE
#                         jlinked from this machine's JDK at /opt/java/openjdk (where the temurin image has it),
#                         the shared libraries it and the embedded Helm library load, and /tmp. No shell.
#   e2e/image.sh build    `mvn -Pimage package` with that base: operator/target/jib-image.tar (Jib, offline).
#   e2e/image.sh rootfs DIR
#                         unpack the image's layers, in order, into DIR (what a container runtime would mount)
#                         and print the image's entrypoint, user and environment.
#   e2e/image.sh run DIR [ARGS...]
#                         run the image's entrypoint with ARGS in DIR as a container would: its own mount
#                         namespace, DIR as the root (read-only), empty /tmp and /var/cache/helmop, /proc,
#                         the image's user and environment, and the host's network (127.0.0.1). Needs root.
#                         Extra environment: IMAGE_ENV_FILE=FILE, one NAME=VALUE a line (as a pod's env);
#                         IMAGE_SECRETS=DIR is mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount,
#                         as the kubelet mounts the pod's service account token, CA and namespace.
#
# The real image is built the same way, from the real base (docs/install.md#the-image):
#   mvn -B -Pimage -pl operator -am package jib:build -DskipTests -Dimage=REPO:TAG
#
# Needs: a JDK 17 with jmods (jlink), python3, ldd, util-linux (unshare, mount) and coreutils (chroot).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/image"
BASE_TAR="$OUT/base.tar"
IMAGE_TAR="$ROOT/operator/target/jib-image.tar"

log() { printf '%s image.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'image.sh: ERROR: %s\n' "$*" >&2; exit 1; }

java_home() {
	local javac
	javac="$(readlink -f "$(command -v javac || die "no javac on the PATH: install a JDK 17")")"
	dirname "$(dirname "$javac")"
}

# The modules of the temurin JRE that a Java operator may load: Java SE, crypto providers, the HTTP server,
# management, DNS, zip file system and locale data.
readonly MODULES="java.se,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.zipfs,jdk.httpserver,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.charsets,jdk.localedata,jdk.jfr,jdk.net"

base() {
	local jdk rootfs
	jdk="$(java_home)"
	[[ -d "$jdk/jmods" ]] || die "$jdk has no jmods/ folder: install the full JDK (openjdk-17-jdk-headless)"
	rm -rf "$OUT/base-rootfs" && mkdir -p "$OUT" && rootfs="$OUT/base-rootfs"
	log "jlinking a JRE from $jdk"
	"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$MODULES" --strip-debug --no-man-pages \
		--no-header-files --compress=2 --output "$rootfs/opt/java/openjdk"
	# The shared libraries of the JRE (but the desktop ones, unused headless) and of helm-java's native library.
	local scratch helm_jar libs
	scratch="$(mktemp -d)"
	trap 'rm -rf "$scratch"' RETURN
	helm_jar="$(find "$HOME/.m2/repository/com/marcnuri/helm-java/linux-amd64" -name 'linux-amd64-*.jar' | sort | tail -1)"
	[[ -n "$helm_jar" ]] || die "helm-java's linux-amd64 jar is not in ~/.m2: run \`mvn -B package -DskipTests\` first"
	(cd "$scratch" && "$jdk/bin/jar" xf "$helm_jar")
	libs="$( { find "$rootfs/opt/java/openjdk" -name '*.so' ! -name 'libawt_xawt.so' ! -name 'libsplashscreen.so' \
		! -name 'libjawt.so'; echo "$rootfs/opt/java/openjdk/bin/java"; find "$scratch" -name '*.so'; } \
		| xargs -n1 ldd 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u)"
	local lib
	for lib in $libs; do
		mkdir -p "$rootfs$(dirname "$lib")"
		cp -L "$lib" "$rootfs$lib"
	done
	mkdir -p "$rootfs/tmp" "$rootfs/etc" && chmod 1777 "$rootfs/tmp"
	# the base images a user pulls have these; glibc and the JVM look for them
	printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$rootfs/etc/passwd"
	printf 'root:x:0:\n' >"$rootfs/etc/group"
	printf '127.0.0.1 localhost\n' >"$rootfs/etc/hosts"
	log "writing $BASE_TAR"
	python3 - "$rootfs" "$BASE_TAR" <<'EOF'
import hashlib, io, json, os, sys, tarfile
rootfs, out = sys.argv[1], sys.argv[2]

def reset(info):  # reproducible: no owners, no times
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 1
    return info

layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for entry in sorted(os.listdir(rootfs)):
        tar.add(os.path.join(rootfs, entry), arcname=entry, filter=reset)
layer = layer.getvalue()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java/openjdk"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
}, sort_keys=True).encode()
manifest = json.dumps([{"Config": "config.json", "RepoTags": ["helmop-test-base:17"], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out, mode="w") as tar:
    for name, data in (("manifest.json", manifest), ("config.json", config), ("layer.tar", layer)):
        info = reset(tarfile.TarInfo(name))
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
print(f"{out}: {len(layer) // (1024 * 1024)} MiB uncompressed", file=sys.stderr)
EOF
}

build() {
	[[ -f "$BASE_TAR" ]] || base
	log "building the image with Jib from tar://$BASE_TAR"
	(cd "$ROOT" && mvn -B -q -Pimage -pl operator -am package -DskipTests -Dimage.base="tar://$BASE_TAR" \
		-Dimage=helmop/helmop:test)
	ls -l "$IMAGE_TAR" >&2
	echo "$IMAGE_TAR"
}

rootfs() {
	local dir="${1:?usage: e2e/image.sh rootfs DIR}"
	[[ -f "$IMAGE_TAR" ]] || die "$IMAGE_TAR is missing: run e2e/image.sh build"
	mkdir -p "$dir"
	chmod 755 "$dir" # the root of the container's file system: its user must be able to enter it
	python3 - "$IMAGE_TAR" "$dir" <<'EOF'
import gzip, io, json, sys, tarfile
image, dest = sys.argv[1], sys.argv[2]
with tarfile.open(image) as tar:
    def blob(digest):
        return tar.extractfile("blobs/" + digest.replace(":", "/")).read()
    names = tar.getnames()
    if "index.json" in names:  # OCI image layout (Jib's <format>OCI</format>)
        index = json.load(tar.extractfile("index.json"))
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
        layers = [blob(layer["digest"]) for layer in manifest["layers"]]
    else:  # "docker save" layout
        manifest = json.load(tar.extractfile("manifest.json"))[0]
        config = json.load(tar.extractfile(manifest["Config"]))
        layers = [tar.extractfile(name).read() for name in manifest["Layers"]]
    for data in layers:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(data)) as layer:
            layer.extractall(dest, numeric_owner=True)
c = config["config"]
print("Entrypoint=" + json.dumps(c.get("Entrypoint")))
print("Cmd=" + json.dumps(c.get("Cmd")))
print("User=" + str(c.get("User")))
print("Env=" + json.dumps(c.get("Env")))
EOF
}

run() {
	local dir="${1:?usage: e2e/image.sh run DIR [ARGS...]}"
	shift
	[[ "$(id -u)" == 0 ]] || die "run needs root (a mount namespace and chroot)"
	local config
	config="$(rootfs "$dir")"
	local entrypoint user env
	entrypoint="$(sed -n 's/^Entrypoint=//p' <<<"$config" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))')"
	user="$(sed -n 's/^User=//p' <<<"$config")"
	env="$(sed -n 's/^Env=//p' <<<"$config" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))')"
	log "running $entrypoint $* as $user in $dir"
	local -a command extra=()
	if [[ -n "${IMAGE_ENV_FILE:-}" ]]; then
		mapfile -t extra < <(grep -v '^$' "$IMAGE_ENV_FILE")
	fi
	# shellcheck disable=SC2206 # the image's entrypoint and env are shell-quoted words without spaces
	command=(/usr/bin/env -i $env "${extra[@]}" "$(command -v chroot)" --userspec="$user" "$dir" $entrypoint "$@")
	exec unshare --mount --propagation private -- /bin/sh -c '
		set -e
		dir=$1; secrets=$2; shift 2
		mount --bind "$dir" "$dir"
		mkdir -p "$dir/proc" "$dir/var/cache/helmop" "$dir/var/run/secrets/kubernetes.io/serviceaccount"
		mount -t proc proc "$dir/proc"
		mount -t tmpfs -o mode=1777 tmpfs "$dir/tmp"
		mount -t tmpfs -o mode=1777 tmpfs "$dir/var/cache/helmop"
		if [ -n "$secrets" ]; then mount --bind -o ro "$secrets" "$dir/var/run/secrets/kubernetes.io/serviceaccount"; fi
		mount -o remount,bind,ro "$dir"
		exec "$@"
	' sh "$dir" "${IMAGE_SECRETS:-}" "${command[@]}"
}

case "${1:-}" in
base) base ;;
build) build ;;
rootfs) shift && rootfs "$@" ;;
run) shift && run "$@" ;;
*) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//' >&2 && exit 2 ;;
esac
