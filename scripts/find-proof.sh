#!/usr/bin/env bash
# Proof of the capacity search's accuracy and time, as issue 20 asks: N searches (default 5) with the default probes
# (2 s warm-up + 5 s window) against `serve --service-time 1ms`, a backend of 1,000 messages/s. Prints each found
# capacity, its error against 1,000 and the search's wall time. Not part of the test command (minutes of runs).
# Usage: scripts/find-proof.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
out=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')
node bin/l4stress.js serve --port "$port" --service-time 1ms -q & backend=$!
trap 'kill $backend 2>/dev/null' EXIT
sleep 1
for i in $(seq 1 "$n"); do
  start=$(date +%s.%N)
  node bin/l4stress.js find --vary rate --slo 'p99<20ms' --conns 50 --from 200 --target "127.0.0.1:$port" \
    --out "$out/find-$i.json" -q
  code=$?
  end=$(date +%s.%N)
  node -e '
    const d = require(process.argv[1]);
    const c = d.answer.capacity;
    const err = c === null ? "-" : `${(((c - 1000) / 1000) * 100).toFixed(1)}%`;
    console.log(`run ${process.argv[2]}: exit ${process.argv[3]}, ${d.answer.end} ${c} messages/s (${err}), ` +
      `${d.probes.length} probes, ${Number(process.argv[4]).toFixed(0)} s`);
  ' "$out/find-$i.json" "$i" "$code" "$(echo "$end - $start" | bc)"
done
