#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection. ansible-test needs the checkout at
# ansible_collections/fargate/microservice/, so the tracked (and new, unignored) files are
# copied to such a tree under .cache/ first.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
venv=${VENV:-$top/.venv}
pyver=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test bootstraps pip in its sanity venvs from a script it downloads from a host
# these machines cannot reach; it uses a cached copy first (see the script's docstring).
pipver=$(grep -oP "pip='\\K[0-9.]+" "$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py" | head -n 1)
cache="$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"
mkdir -p "$(dirname "$cache")"
cp scripts/ansible_test_get_pip.py "$cache"

# Outside this git checkout: ansible-test lists a collection's files with git when it can.
# A directory of this run's own, so that two runs at once (two checkouts) never share one.
work=$(mktemp -d "${TMPDIR:-/tmp}/fargate-microservice-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/fargate/microservice
mkdir -p "$dest"
git ls-files -co --exclude-standard | grep -v '^collections/ansible_collections' \
  | while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done \
  | tar -cf - -T - | tar -xf - -C "$dest"
# The modules import amazon.aws (and their docs use its fragments): put the pinned
# dependencies from the virtual environment beside the collection.
site=$("$venv/bin/python" -c 'import ansible_collections, os; print([p for p in ansible_collections.__path__ if os.path.isdir(os.path.join(p, "amazon"))][0])')
for ns in amazon community; do
  ln -sfn "$site/$ns" "$dest/../../$ns"
done
cd "$dest"
"$venv/bin/ansible-test" sanity --requirements --python "$pyver" --color no "$@"
