#!/usr/bin/env bash
# Go checks for the web app (app/web): gofmt, go vet, go test (including the tests against a
# real redis-server, which skip with a message when it is not installed) and a static build.
# Offline: the app uses the standard library only, so no module download is ever needed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

GO=$(command -v go || true)
if [ -z "$GO" ]; then
  # Debian's golang-go puts `go` in /usr/bin; fall back to a versioned tree if only that exists.
  GO=$(printf '%s\n' /usr/lib/go-1.*/bin/go | grep -v '\*' | sort -V | tail -n 1 || true)
fi
if [ -z "$GO" ]; then
  echo "Go is not installed: run \`make setup-host\` (Debian package golang-go)." >&2
  exit 1
fi

export GOPROXY=off GOFLAGS='' GOTOOLCHAIN=local GO111MODULE=on
# A fresh machine (or CI with no HOME) has no Go cache: keep it inside the checkout.
export GOCACHE="${GOCACHE:-$ROOT/.cache/go-build}"
export GOPATH="${GOPATH:-$ROOT/.cache/go}"
mkdir -p "$GOCACHE" "$GOPATH"

cd app/web
echo "== $("$GO" version)"
unformatted=$("$(dirname "$(readlink -f "$GO")")/gofmt" -l . || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files (run gofmt -w app/web): $unformatted" >&2
  exit 1
fi
"$GO" vet ./...
"$GO" test -count=1 ./...
# The race detector needs cgo (a C compiler); it is a bonus where gcc is installed.
if command -v gcc >/dev/null 2>&1; then
  "$GO" test -count=1 -race ./...
else
  echo "== gcc is not installed: skipping go test -race (the tests above ran without it)"
fi
# The image builds a static binary this way; make sure it still does.
CGO_ENABLED=0 "$GO" build -trimpath -ldflags="-s -w" -o "$ROOT/.cache/countweb" .
echo "== static build: $(stat -c %s "$ROOT/.cache/countweb") bytes"
