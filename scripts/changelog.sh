#!/usr/bin/env bash
# Generate CHANGELOG.rst from changelogs/changelog.yaml and every fragment in changelogs/fragments,
# without consuming the fragments: `antsibull-changelog release` (keep_fragments: false) moves the
# fragments into changelog.yaml and deletes them, so it runs on a throw-away copy of the collection
# and only the CHANGELOG.rst it writes is copied back. The version is galaxy.yml's.
#   scripts/changelog.sh          write CHANGELOG.rst
#   scripts/changelog.sh --check  exit 1 when CHANGELOG.rst is not what the fragments give
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${VENV_BIN:-$root/.venv/bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/ansible_collections/fargate/microservice
mkdir -p "$copy"
tar -C "$root" --exclude=./.venv --exclude=./.git --exclude=./.cache --exclude=./tests/output \
    --exclude=./collections -cf - . | tar -C "$copy" -xf -
version=$("$bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$root/galaxy.yml")
# Fixed date: the output depends on the fragments only, so --check can compare it.
(cd "$copy" && ANSIBLE_COLLECTIONS_PATH="$tmp" "$bin/antsibull-changelog" release --version "$version" --date 1970-01-01 \
    --ansible-doc-bin "$bin/ansible-doc" >/dev/null)
if [[ ${1:-} == --check ]]; then
    if ! diff -u "$root/CHANGELOG.rst" "$copy/CHANGELOG.rst"; then
        echo "CHANGELOG.rst is not what changelogs/fragments give: run 'make changelog' and commit it." >&2
        exit 1
    fi
    echo "CHANGELOG.rst matches changelogs/fragments."
else
    cp "$copy/CHANGELOG.rst" "$root/CHANGELOG.rst"
    echo "Wrote CHANGELOG.rst (version $version) from $(find changelogs/fragments -name '*.yml' | wc -l) fragments; the fragments are kept."
fi
