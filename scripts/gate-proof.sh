#!/usr/bin/env bash
# The gate's proof, both ways (issue: "a gate that noise cannot fail"): N runs of the gate on an unchanged build
# (GATE_REFERENCE=self) while another process keeps one core busy must all pass, and N runs with a real regression
# (L4STRESS_TEST_TARGET_SLOWDOWN=2: every echo costs the target twice its time, in the candidate only) must all
# fail. Usage: scripts/gate-proof.sh [N] (default 10; each gate takes about 6-7 minutes). Prints the tally.
set -uo pipefail
cd "$(dirname "$0")/.."
n="${1:-10}"
log="${TMPDIR:-/tmp}/l4stress-gate-proof.log"
: > "$log"
pass=0; caught=0
for i in $(seq 1 "$n"); do
  # The busy core: bounded in time, killed after each run.
  timeout 900 node -e 'for (;;) {}' & busy=$!
  GATE_REFERENCE=self bash scripts/gate.sh >> "$log" 2>&1; code=$?
  kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null
  [ "$code" -eq 0 ] && pass=$((pass + 1))
  echo "unchanged build, one core busy, run $i: exit $code" | tee -a "$log"
  GATE_REFERENCE=self L4STRESS_TEST_TARGET_SLOWDOWN=2 bash scripts/gate.sh >> "$log" 2>&1; code=$?
  [ "$code" -eq 5 ] && caught=$((caught + 1))
  echo "2x slower echo, run $i: exit $code" | tee -a "$log"
done
echo "unchanged build passed $pass of $n with a busy core; the 2x slower echo was caught $caught of $n (log: $log)"
