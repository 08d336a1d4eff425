#!/usr/bin/env bash
# Stage the build context of an offline substitute for an official base image, from this
# machine's Debian packages (test/local setup only: machines that cannot pull images).
#   stage-offline-base.sh golang PARENT   Go toolchain (golang-go) at /usr/local/go, as in the official image
#   stage-offline-base.sh redis  PARENT   redis-server and redis-cli (redis-server, redis-tools) in /usr/local/bin
# A new directory under PARENT (its name printed as the last line) receives rootfs/ (the image's
# files: the programs plus the shared libraries `ldd` lists) and Dockerfile (FROM scratch,
# COPY rootfs/ /, the official image's environment). A directory of its own per run, so two runs
# at once (two deployments, or a test beside a deploy) never stage into each other's files; a
# directory left by a run killed more than a day ago is removed.
set -euo pipefail
kind=${1:?usage: $0 golang|redis PARENT}
parent=${2:?usage: $0 golang|redis PARENT}
mkdir -p "$parent"
# A run killed before its cleanup leaves its directory; one a day old is no run's any more.
find "$parent" -mindepth 1 -maxdepth 1 -type d -name "$kind.??????" -mmin +1440 -exec rm -rf {} +
dir=$(mktemp -d "$parent/$kind.XXXXXX")
mkdir -p "$dir/rootfs"
root="$dir/rootfs"

# copy_libs FILE...: copy the shared libraries each ELF file needs (and the loader) to $root.
copy_libs() {
  local f lib
  for f in "$@"; do
    # ldd fails on static executables (the Go tools are): they need nothing.
    { ldd "$f" 2>/dev/null || true; } | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' | while read -r lib; do
      if [ -n "$lib" ]; then cp -L --parents "$lib" "$root/"; fi
    done
  done
}

mkdir -p "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
case "$kind" in
  golang)
    command -v go >/dev/null || { echo "go is not installed: install the Debian package golang-go (make setup-host)." >&2; exit 1; }
    goroot=$(go env GOROOT)
    version=$(go env GOVERSION)
    mkdir -p "$root/usr/local/go" "$root/root" "$root/go"
    # -h follows the symlinks Debian uses to split the tree over /usr/lib and /usr/share.
    # Left out: the toolchain's own sources (src/cmd), tests, and the prebuilt standard library
    # (pkg/linux_*), which -trimpath builds do not use (they compile it into GOCACHE).
    tar -C "$goroot" -chf - --exclude=./src/cmd --exclude="./pkg/linux_*" \
      --exclude=./test --exclude=./api --exclude=./misc --exclude=./doc --exclude=testdata . \
      | tar -C "$root/usr/local/go" -xf -
    # Tools `go build` and `go vet` do not use.
    rm -f "$root"/usr/local/go/pkg/tool/*/{pprof,trace,doc,fix,api,objdump,addr2line,nm,test2json,dist}
    copy_libs "$root/usr/local/go/bin/go" "$root/usr/local/go/bin/gofmt" "$root"/usr/local/go/pkg/tool/*/*
    cat > "$dir/Dockerfile" <<DOCKERFILE
# Offline substitute for the official golang image: $version from Debian's golang-go.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/go/bin:/go/bin:/usr/local/bin:/usr/bin:/bin GOROOT=/usr/local/go GOPATH=/go HOME=/root GOCACHE=/tmp/go-build GOTOOLCHAIN=local
LABEL org.opencontainers.image.description="Offline substitute for golang ($version, Debian golang-go); test setup only"
WORKDIR /go
DOCKERFILE
    ;;
  redis)
    command -v redis-server >/dev/null || { echo "redis-server is not installed: install the Debian package redis-server (make setup-host)." >&2; exit 1; }
    version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
    mkdir -p "$root/usr/local/bin" "$root/data"
    # redis-server is a symlink to redis-check-rdb, which acts by the name it is run under.
    cp -L "$(command -v redis-server)" "$root/usr/local/bin/redis-server"
    cp -L "$(command -v redis-cli)" "$root/usr/local/bin/redis-cli"
    copy_libs "$root/usr/local/bin/redis-server" "$root/usr/local/bin/redis-cli"
    # The official images' redis user (uid 999) owns /data.
    chown 999:1000 "$root/data"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nredis:x:999:1000:redis:/data:/sbin/nologin\n' > "$root/etc/passwd"
    printf 'root:x:0:\nredis:x:1000:\n' > "$root/etc/group"
    cat > "$dir/Dockerfile" <<DOCKERFILE
# Offline substitute for the official redis image: $version from Debian's redis-server.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin
LABEL org.opencontainers.image.description="Offline substitute for redis ($version, Debian redis-server); test setup only"
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
    ;;
  *)
    echo "unknown base kind '$kind': use golang or redis" >&2
    exit 2
    ;;
esac
echo "staged $kind $version: $(du -sh "$root" | cut -f1)"
echo "$dir"
