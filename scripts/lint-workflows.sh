#!/usr/bin/env bash
# Lints what GitHub will run and what readers copy: every workflow in .github/workflows and every
# ```yaml block in README.md with actionlint (shellcheck on run: scripts) and zizmor, and
# action.yml with action-validator. Part of `npm run lint`.
# The Python linters are pinned (with hashes) in scripts/lint-requirements.txt and installed on
# first use into .cache/lint-venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REQUIREMENTS=scripts/lint-requirements.txt
VENV=.cache/lint-venv
OUT=.tmp/lint
started=$(date +%s.%N)

log() { echo "lint-workflows: $*" >&2; }

# Installed again whenever the pinned requirements change.
if [[ ! -x $VENV/bin/zizmor ]] || ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
  command -v python3 >/dev/null || { log "python3 is needed to install the linters in $REQUIREMENTS"; exit 1; }
  log "installing the linters pinned in $REQUIREMENTS into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # (pip's notes about index locations configured on this machine but absent are dropped)
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
    --require-hashes -r "$REQUIREMENTS" 2>&1 | { grep -v '^WARNING: Location' || true; } >&2
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi
export PATH="$PWD/$VENV/bin:$PATH"

# README examples twice: as written (for zizmor, with a concrete owner its policy can name),
# and with this action as `./` (so actionlint checks their inputs against action.yml).
node scripts/readme-workflows.mjs "$OUT/readme" --local >/dev/null
node scripts/readme-workflows.mjs "$OUT/readme-as-written" >/dev/null
sed -i 's#<owner>/mongo-restore-guard@#owner/mongo-restore-guard@#' "$OUT"/readme-as-written/*.yml

actionlint .github/workflows/*.yml "$OUT"/readme/*.yml
zizmor --offline --quiet --no-progress --config .github/zizmor.yml \
  .github/workflows/*.yml "$OUT"/readme-as-written/*.yml

# action-validator 0.6.0 (the newest) predates `runs.using: node24`; validate the rest of
# action.yml through a copy that says node20, after checking that node24 is what it says.
grep -qx '  using: node24' action.yml || { log "action.yml: expected 'runs.using: node24'"; exit 1; }
mkdir -p "$OUT/action"
sed 's/^  using: node24$/  using: node20/' action.yml >"$OUT/action/action.yml"
node_modules/.bin/action-validator "$OUT/action/action.yml"

awk -v s="$started" -v e="$(date +%s.%N)" \
  'BEGIN { printf "lint-workflows: workflows, README examples and action.yml clean (%.1f s)\n", e - s }'
