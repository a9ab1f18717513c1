#!/usr/bin/env bash
# npm run gate: the Scenario D gate (ci profile), noise-immune by design. Every step iteration runs twice, once with
# this build and once with a reference build, interleaved (ABBA) on this machine in the same minutes; a step fails
# when this build is worse than the reference by more than the allowance AND the iterations say so (Mann-Whitney,
# p <= alpha): the rule is scripts/gate-rule.sh. A busy core or another CPU model weighs on both sides alike;
# errors, drops, shortfalls and absolute latency bounds are gated by the scenario's thresholds.
#
# The reference is the commit the committed baseline was taken from (its git.sha), or GATE_REFERENCE (a commit,
# or `self` for this very build: the proof that an unchanged build passes, see scripts/gate-proof.sh). It is
# exported with git archive into the temp folder and built once (node_modules shared when the lock files match).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=results/baselines/scenario-d.ci.json
baseline_sha=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$baseline', 'utf8')).git?.sha ?? '')")
ref="${GATE_REFERENCE:-$baseline_sha}"
npm run build --silent
if [ "$ref" = self ]; then
  cli=bin/l4stress.js
else
  if ! sha=$(git rev-parse --verify --quiet "${ref}^{commit}"); then
    echo "gate: reference '$ref' is not a commit here; using HEAD~1" >&2
    sha=$(git rev-parse --verify HEAD~1)
  fi
  dir="${TMPDIR:-/tmp}/l4stress-reference-$sha"
  if [ ! -f "$dir/dist/src/cli/main.js" ]; then
    echo "gate: building the reference $sha in $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    git archive "$sha" | tar -x -C "$dir"
  fi
  if cmp -s package-lock.json "$dir/package-lock.json"; then
    # Same lock file: the reference uses this checkout's packages (re-pointed every time: a cached reference may
    # have been built beside another checkout, since removed).
    ln -sfn "$PWD/node_modules" "$dir/node_modules"
  elif [ -L "$dir/node_modules" ] || [ ! -d "$dir/node_modules" ]; then
    # Its own lock file, its own packages: a symlink here was left when the locks matched and points at another
    # checkout's packages (or at nothing, once that checkout is gone).
    rm -f "$dir/node_modules"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
  [ -f "$dir/dist/src/cli/main.js" ] || (cd "$dir" && node node_modules/typescript/bin/tsc -p tsconfig.json)
  # A reference that cannot start would leave every comparison missing: say so now (--help loads the whole CLI).
  if ! node "$dir/bin/l4stress.js" --help >/dev/null; then
    echo "gate: the reference build in $dir does not start" >&2
    exit 3
  fi
  cli="$dir/bin/l4stress.js"
fi
echo "gate: reference build $cli" >&2
# shellcheck source=scripts/gate-rule.sh
source scripts/gate-rule.sh
exec node bin/l4stress.js run --scenario scenarios/scenario-d.yaml --profile ci --reference-cli "$cli" \
  "${GATE_RULE[@]}" --markdown results/scenario-d-ci.md
