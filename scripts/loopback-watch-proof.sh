#!/usr/bin/env bash
# Proof that a loopback target's limit is not read on a busy machine (the external target found by its listening
# socket and watched). Not part of the test command (minutes of runs, and the machine's load decides them): its
# numbers are in the closing note and docs/find.md. Usage: scripts/loopback-watch-proof.sh [N] [CLI]
# - starts `l4stress serve --service-time 1ms` (1,000 messages/s) as an external process on loopback;
# - N times: a busy loop pinned to each core (`taskset -c C sh -c 'while :; do :; done'`, killed after), and beside
#   them `find --vary rate --slo 'p99<20ms' --conns 50 --from 200` against it (find.test.ts's search); then prints
#   each answer (end, capacity, whose limit), how the target was watched, and every probe's whose-limit;
# - CLI (default bin/l4stress.js) may be an older build's dist/src/cli/main.js, to run the same check before.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
cli=${2:-bin/l4stress.js}
out=$(mktemp -d)
cores=$(nproc)
hogs=()
start_hogs() {
  for c in $(seq 0 $((cores - 1))); do timeout 900 taskset -c "$c" sh -c 'while :; do :; done' & hogs+=($!); done
}
# By PID only; an empty list returns at once (a bare `wait` would wait for the target too).
stop_hogs() {
  [ ${#hogs[@]} -eq 0 ] && return 0
  kill "${hogs[@]}" 2>/dev/null
  wait "${hogs[@]}" 2>/dev/null
  hogs=()
}
stop_target() { [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null && wait "$serve" 2>/dev/null; serve=; }
trap 'stop_hogs; stop_target' EXIT
port=$((20000 + RANDOM % 20000))
node "$cli" serve --port "$port" --service-time 1ms --quiet & serve=$!
sleep 1
echo "target: serve --service-time 1ms, pid $serve, 127.0.0.1:$port; CLI $cli; $cores cores"
for i in $(seq 1 "$n"); do
  start_hogs
  node "$cli" find --vary rate --slo 'p99<20ms' --conns 50 --from 200 --target "127.0.0.1:$port" \
    --warmup 1s --window 2s --max-time 4m --quiet --out "$out/find-$i.json" >/dev/null 2>"$out/find-$i.err"
  code=$?
  stop_hogs
  node -e '
    const d = require(process.argv[1]);
    const a = d.answer;
    const t = d.target.watched;
    const w = t ? `${t.by}: ${t.processes.map((p) => `${p.pid} (${p.name})`).join(", ") || "none"}` : "not watched";
    const probes = d.probes.map((p) => `${p.load}${p.pass ? "+" : "-"}${p.pass ? "" : `(${p.limitOf})`}`).join(" ");
    console.log(`run ${process.argv[2]}: ${a.end}, capacity ${a.capacity}${a.atLeast ? " (at least)" : ""}, ` +
      `limit of ${a.limitOf}, exit ${process.argv[3]}; target ${w}; probes ${probes}`);
  ' "$out/find-$i.json" "$i" "$code"
done
stop_target
echo "documents in $out"
