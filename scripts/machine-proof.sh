#!/usr/bin/env bash
# Proof that whose-limit holds on a busy machine (issue 29), both ways. Not part of the test command (minutes of
# runs); its counts are in the closing note and docs/find.md. Usage: scripts/machine-proof.sh [N]
# - N finds against the embedded target (the find test that once answered "capacity 109,666 messages/s ... the
#   target's limit") beside two busy loops per core, pinned to every core: none may answer a target capacity;
# - N finds of HAProxy `rate-limit sessions 400` beside three busy loops: each must find ~400/s, the target's.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
out=$(mktemp -d)
cores=$(nproc)
hogs=()
start_hogs() { for _ in $(seq 1 "$1"); do taskset -c "0-$((cores - 1))" node -e 'for(;;){}' & hogs+=($!); done; }
stop_hogs() { kill "${hogs[@]}" 2>/dev/null; wait "${hogs[@]}" 2>/dev/null; hogs=(); }
trap 'stop_hogs; [ -n "${haproxy:-}" ] && kill $haproxy $serve 2>/dev/null' EXIT
answer() { node -e 'const d=require(process.argv[1]); console.log(d.answer.end, d.answer.capacity, d.answer.limitOf)' "$1"; }

start_hogs $((cores * 2))
declare -A ends
for i in $(seq 1 "$n"); do
  node bin/l4stress.js find --vary rate --slo 'p99<1s' --conns 50 --workers 1 --from 20000 --to 800000 \
    --warmup 1s --window 2s --max-time 3m --quiet --out "$out/embedded-$i.json" >/dev/null
  code=$?
  read -r end capacity limit < <(answer "$out/embedded-$i.json")
  ends[$end]=$((${ends[$end]:-0} + 1))
  echo "embedded beside $((cores * 2)) busy loops, run $i: $end (limit of $limit, capacity $capacity), exit $code"
done
stop_hogs
summary=""
for end in "${!ends[@]}"; do summary+="$end ${ends[$end]}, "; done
echo "embedded target beside a hog on every core: ${summary%, } of $n (found: ${ends[found]:-0})"

port=$((20000 + RANDOM % 20000))
node bin/l4stress.js serve --port $((port + 1)) --quiet & serve=$!
cat > "$out/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$port
  rate-limit sessions 400
  default_backend be
backend be
  server s1 127.0.0.1:$((port + 1))
CFG
haproxy -db -f "$out/haproxy.cfg" >/dev/null 2>&1 & haproxy=$!
sleep 1
start_hogs 3
found=0
for i in $(seq 1 "$n"); do
  node bin/l4stress.js find --vary cps --slo 'connect.p99<100ms' --from 100 --target 127.0.0.1:$port \
    --warmup 1s --window 2s --max-time 3m --quiet --out "$out/haproxy-$i.json" >/dev/null
  read -r end capacity limit < <(answer "$out/haproxy-$i.json")
  echo "HAProxy rate-limit 400 beside 3 busy loops, run $i: $end $capacity ($limit)"
  [ "$end" = found ] && [ "$limit" = target ] && [ "$capacity" -ge 340 ] && [ "$capacity" -le 460 ] && found=$((found + 1))
done
echo "HAProxy rate-limit 400 beside 3 busy loops: found within 15% as the target's in $found of $n"
