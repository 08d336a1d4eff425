#!/usr/bin/env bash
# What a user of the built collection gets: `ansible-galaxy collection build`, then an offline
# install into a temporary path (no Galaxy is reachable), then, from the installed copy only
# (ANSIBLE_COLLECTIONS_PATH = that path + the venv's bundled collections; no ansible.cfg of the
# checkout): ansible-doc of every module, filter and role, --syntax-check of every playbook, a real
# run of playbooks/cost.yml (no AWS call), the files left out and kept, and CHANGELOG.rst up to date.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
ROOT=$PWD
BIN=$ROOT/.venv/bin
WORK="$(mktemp -d /tmp/build-test.XXXXXX)"
FAILED=0
echo "logs: $WORK"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# Nothing of the checkout's configuration: an empty ansible.cfg, run from the work directory.
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS ANSIBLE_ROLES_PATH
printf '[defaults]\n' >"$WORK/ansible.cfg"
export ANSIBLE_CONFIG="$WORK/ansible.cfg"
BUNDLED=$("$BIN/python" -c 'import ansible, os; print(os.path.dirname(os.path.dirname(ansible.__file__)))')

if ! "$BIN/ansible-galaxy" collection build --output-path "$WORK" "$ROOT" >"$WORK/build.log" 2>&1; then
  fail "build (see $WORK/build.log)"; echo "build integration: $FAILED failure(s)"; exit 1
fi
TARBALL=$(ls "$WORK"/fargate-microservice-*.tar.gz)
pass "build: $(basename "$TARBALL") ($(du -k "$TARBALL" | cut -f1) KiB)"

# Left out and kept.
tar tzf "$TARBALL" >"$WORK/files.txt"
for path in Makefile molecule/ tests/ benchmarks/ scripts/ requirements.txt requirements-ee.txt constraints.txt \
    .ansible-lint .yamllint ansible.cfg collections/ execution-environment.yml .ci/ .cache/ .venv/; do
  grep -qE "^(\./)?${path//./\\.}" "$WORK/files.txt" && fail "build_ignore: $path is in the build"
done
for path in LICENSE CHANGELOG.rst README.md MANIFEST.json FILES.json meta/runtime.yml site.yml \
    playbooks/site.yml app/web/Dockerfile files/podman/containers.conf roles/cost/vars/prices.yml inventory/local/hosts.yml; do
  grep -qxE "(\./)?$path" "$WORK/files.txt" || fail "build: $path is missing"
done
pass "build_ignore: the development tree is left out, roles/plugins/playbooks/app/files/LICENSE/CHANGELOG.rst are in"

INSTALL=$WORK/collections
# Only the install path and the bundled collections count, never ~/.ansible/collections: molecule
# installs the checkout there when its scenarios run (in make test, beside this test), and galaxy
# would then answer "already installed" and install nothing here.
export ANSIBLE_COLLECTIONS_PATH="$INSTALL:$BUNDLED"
if ! "$BIN/ansible-galaxy" collection install --offline --no-deps --force -p "$INSTALL" "$TARBALL" >"$WORK/install.log" 2>&1; then
  fail "install (see $WORK/install.log)"; echo "build integration: $FAILED failure(s)"; exit 1
fi
export ANSIBLE_COLLECTIONS_PATH="$INSTALL:$BUNDLED"
COLL=$INSTALL/ansible_collections/fargate/microservice
cd "$WORK" || exit 2
if "$BIN/ansible-galaxy" collection verify --offline fargate.microservice >"$WORK/verify.log" 2>&1; then
  pass "install: offline, verified against its MANIFEST"
else
  fail "verify (see $WORK/verify.log)"
fi
"$BIN/ansible-galaxy" collection list fargate.microservice >"$WORK/list.log" 2>&1
if grep -qF "$INSTALL/ansible_collections" "$WORK/list.log" && ! grep -qF "$ROOT/collections" "$WORK/list.log"; then
  pass "resolution: fargate.microservice comes from the installed copy only"
else
  fail "resolution (see $WORK/list.log)"
fi

# doc TYPE NAME: ansible-doc --json renders the installed plugin's or role's documentation.
doc() {
  local type=$1 name=$2
  if "$BIN/ansible-doc" -t "$type" --json "fargate.microservice.$name" >"$WORK/doc-$type-$name.json" 2>"$WORK/doc-$type-$name.err" \
     && "$BIN/python" -c 'import json, sys; d = json.load(open(sys.argv[1])); e = d.get(sys.argv[2]); sys.exit(not (e and (e.get("doc") or e.get("entry_points"))))' \
        "$WORK/doc-$type-$name.json" "fargate.microservice.$name"; then
    return 0
  fi
  fail "ansible-doc -t $type fargate.microservice.$name (see $WORK/doc-$type-$name.err)"; return 1
}
count=0; for f in "$COLL"/plugins/modules/*.py; do n=$(basename "$f" .py); [[ $n == __init__ ]] && continue; doc module "$n" && count=$((count + 1)); done
pass "ansible-doc: $count modules"
count=0; for f in "$COLL"/plugins/filter/*.yml; do doc filter "$(basename "$f" .yml)" && count=$((count + 1)); done
pass "ansible-doc: $count filters"
count=0; for d in "$COLL"/roles/*/; do doc role "$(basename "$d")" && count=$((count + 1)); done
pass "ansible-doc: $count roles"

# Every playbook, by path and by its collection name, from the installed copy.
count=0
for f in "$COLL"/playbooks/*.yml "$COLL/site.yml"; do
  if "$BIN/ansible-playbook" --syntax-check -i "$COLL/inventory/local" "$f" >"$WORK/syntax-$(basename "$f").log" 2>&1; then
    count=$((count + 1))
  else
    fail "syntax-check $f (see $WORK/syntax-$(basename "$f").log)"
  fi
done
for f in "$COLL"/playbooks/*.yml; do
  name=fargate.microservice.$(basename "$f" .yml)
  if "$BIN/ansible-playbook" --syntax-check -i "$COLL/inventory/local" "$name" >"$WORK/syntax-$name.log" 2>&1; then
    count=$((count + 1))
  else
    fail "syntax-check $name (see $WORK/syntax-$name.log)"
  fi
done
pass "syntax-check: $count playbook runs (by path and by collection name)"

# A real run from the installed copy: the cost role with its price list and filter, no AWS call.
if AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent ANSIBLE_CALLBACK_RESULT_FORMAT=json \
   "$BIN/ansible-playbook" -i "$COLL/inventory/aws" fargate.microservice.cost >"$WORK/cost.log" 2>&1 \
   && grep -qF 'total per month                      79.28      115.78       86.38' "$WORK/cost.log" \
   && grep -qF "$COLL/roles/cost" <("$BIN/ansible-playbook" -i "$COLL/inventory/aws" fargate.microservice.cost -vvv 2>&1); then
  pass "run: fargate.microservice.cost from the installed copy"
else
  fail "run fargate.microservice.cost (see $WORK/cost.log)"
fi

cd "$ROOT" || exit 2
if VENV_BIN=$BIN bash scripts/changelog.sh --check >"$WORK/changelog.log" 2>&1; then
  pass "CHANGELOG.rst: what changelogs/fragments give"
else
  fail "CHANGELOG.rst is stale: run 'make changelog' and commit it (see $WORK/changelog.log)"
fi

echo "build integration: $FAILED failure(s)"
if [[ $FAILED -eq 0 ]]; then rm -rf "$WORK"; fi
[[ $FAILED -eq 0 ]]
