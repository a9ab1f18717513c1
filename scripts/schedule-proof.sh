#!/usr/bin/env bash
# Proof that the schedule verdict (src/worker-contract/schedule.ts) is right both ways, as issue 22 asks. Not part of the test
# command (minutes of runs); its numbers are in the closing note and docs. Usage: scripts/schedule-proof.sh [N]
# - N runs each of `--mode hold -c 50 -d 2s` and `--rate 500 -c 20 -d 2s` beside a process that keeps one core
#   busy: none may exit 4;
# - 10 runs of `--rate 500 -c 20 -d 2s` with the pacer stalled 20 ms in every 100 ms (test-only switch): all
#   must exit 4.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
out=$(mktemp -d)
node -e 'for(;;){}' & busy=$!
trap 'kill $busy 2>/dev/null' EXIT
declare -A fails
for kind in hold rate; do
  fails[$kind]=0
  for i in $(seq 1 "$n"); do
    if [ "$kind" = hold ]; then args=(--mode hold -c 50 -d 2s); else args=(--rate 500 -c 20 -d 2s); fi
    node bin/l4stress.js "${args[@]}" --quiet --out "$out/$kind-$i.json"
    code=$?
    [ "$code" -eq 4 ] && fails[$kind]=$((fails[$kind] + 1))
    [ "$code" -ne 0 ] && echo "$kind run $i: exit $code" >&2
  done
  echo "$kind beside a busy core: ${fails[$kind]} of $n runs exit 4"
done
kill $busy 2>/dev/null
stalled=0
for i in $(seq 1 10); do
  L4STRESS_TEST_PACER_STALL=20/100 node bin/l4stress.js --rate 500 -c 20 -d 2s --quiet --out "$out/stall-$i.json"
  [ $? -eq 4 ] && stalled=$((stalled + 1))
done
echo "pacer stalled 20 ms in every 100 ms: $stalled of 10 runs exit 4"
