#!/usr/bin/env bash
# Judges stored A/B gate runs again by the gate's current rule (scripts/gate-rule.sh), from what they measured:
# each run folder holds this build's summary.json and the reference's reference-summary.json, so a change of rule
# is checked against every earlier proof run without measuring again. A run passes when its thresholds passed and
# no gated metric regressed. Usage: scripts/gate-rejudge.sh RUN-FOLDER...; prints one line per run and a tally.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/gate-rule.sh
source scripts/gate-rule.sh
passed=0; failed=0
for dir in "$@"; do
  if [ ! -f "$dir/summary.json" ] || [ ! -f "$dir/reference-summary.json" ]; then
    echo "$dir: incomplete (no summary or reference summary yet), skipped"
    continue
  fi
  thresholds=$(node -e "const s = JSON.parse(require('fs').readFileSync('$dir/summary.json', 'utf8'));
    process.stdout.write(s.pass ? 'pass' : 'FAIL')")
  out=$(node bin/l4stress.js compare "$dir/reference-summary.json" "$dir/summary.json" "${GATE_RULE[@]}")
  code=$?
  regressed=$(printf '%s\n' "$out" | grep -c 'REGRESSED' || true)
  if [ "$thresholds" = pass ] && [ "$code" -eq 0 ]; then
    passed=$((passed + 1)); verdict=pass
  else
    failed=$((failed + 1)); verdict=FAIL
  fi
  echo "$dir: thresholds $thresholds, gated regressions $regressed -> $verdict"
done
echo "rejudged: $passed passed, $failed failed"
