#!/usr/bin/env bash
# Test setup only: build offline stand-ins for the images the task definition references, since
# no image can be pulled here. redis: Debian's redis-server and redis-cli with the libraries ldd
# lists, in a scratch image. web: the app from app/web built statically with Debian's Go.
# Usage: build_test_images.sh <redis image name> <web image name>
set -euo pipefail
redis_image=${1:?redis image name}
web_image=${2:?web image name}
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/files/podman/containers.conf}
export CONTAINERS_STORAGE_CONF=${CONTAINERS_STORAGE_CONF:-$root/files/podman/storage.conf}

mkdir -p "$work/redis/root"
for b in /usr/bin/redis-server /usr/bin/redis-cli; do
  mkdir -p "$work/redis/root$(dirname "$b")"; cp -L "$b" "$work/redis/root$b"
  for l in $(ldd "$b" | grep -o '/[^ ]*'); do mkdir -p "$work/redis/root$(dirname "$l")"; cp -L "$l" "$work/redis/root$l"; done
done
cat > "$work/redis/Containerfile" <<'CF'
FROM scratch
COPY root/ /
USER 999:999
ENTRYPOINT ["/usr/bin/redis-server"]
CMD ["--save", "", "--appendonly", "no", "--protected-mode", "no", "--bind", "127.0.0.1"]
CF
buildah bud --quiet --isolation chroot -t "$redis_image" "$work/redis" >/dev/null

mkdir -p "$work/web"
(cd "$root/app/web" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w' -o "$work/web/countweb" .)
cat > "$work/web/Containerfile" <<'CF'
FROM scratch
COPY countweb /countweb
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/countweb"]
CF
buildah bud --quiet --isolation chroot -t "$web_image" "$work/web" >/dev/null
echo "built $redis_image and $web_image"
