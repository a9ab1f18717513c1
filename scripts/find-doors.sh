#!/usr/bin/env bash
# Issue 30's timing proof: `find` against three HAProxy doors on loopback (maxconn 9000, maxconn 320, rate-limit
# sessions 500) before `l4stress serve`, default probes, --scrape; prints each search's exit, answer, probe count,
# wall time and probe sequence (g grow, b bisect, a above, c confirm, r retry; + pass, - fail). Minutes of load:
# not part of the test command. docs/find.md ("Time to an answer") has the figures.
# ssl200 (HAProxy terminating TLS with maxsslrate 200, --vary tls-handshakes --slo errors==0, as find.test.ts) is run
# only when named. Each probe also prints the watched target's busiest thread: r<run>w<wait> (% of the window).
# Usage: scripts/find-doors.sh [TAG] [door...]   doors: mc9000 mc320 rl500 ssl200 (the first three by default)
set -uo pipefail
cd "$(dirname "$0")/.."
tag=${1:-run}; shift || true
doors=${*:-mc9000 mc320 rl500}
out=$(mktemp -d)
freeport() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
bport=$(freeport)
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 -keyout $out/key.pem -out $out/cert.pem \
  >/dev/null 2>&1
cat $out/cert.pem $out/key.pem > $out/both.pem
node bin/l4stress.js serve --port "$bport" -q & backend=$!
sleep 1
for door in $doors; do
  port=$(freeport); sport=$(freeport)
  case $door in
    mc9000) gmax=9600; limit="maxconn 9000"; args=(--vary conns --slo 'opened==target');;
    mc320) gmax=8000; limit="maxconn 320"; args=(--vary conns --slo 'opened==target');;
    rl500) gmax=8000; limit="rate-limit sessions 500"; args=(--vary cps --slo 'connect.p99<100ms');;
    ssl200) gmax=8000; limit="maxsslrate 200"; args=(--vary tls-handshakes --slo errors==0 --from 50 --tls
      --tls-ca $out/cert.pem --sni localhost);;
  esac
  bind="127.0.0.1:$port"; global=""
  if [ "$door" = ssl200 ]; then bind="127.0.0.1:$port ssl crt $out/both.pem"; global="  $limit"; limit=""; fi
  cat > $out/$door.cfg <<CFG
global
  nbthread 1
  maxconn $gmax
$global
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend stats
  mode http
  bind 127.0.0.1:$sport
  http-request use-service prometheus-exporter if { path /metrics }
frontend fe
  bind $bind
  $limit
  default_backend be
backend be
  server s1 127.0.0.1:$bport
CFG
  haproxy -db -f $out/$door.cfg >/dev/null 2>&1 & hp=$!
  sleep 0.5
  s=$(date +%s.%N)
  node bin/l4stress.js find "${args[@]}" --target 127.0.0.1:$port --scrape http://127.0.0.1:$sport/metrics \
     --out $out/$tag-$door.json > $out/$tag-$door.txt 2>&1
  code=$?
  e=$(date +%s.%N)
  kill $hp; wait $hp 2>/dev/null
  node -e '
    const d = require(process.argv[1]);
    const pc = (v) => Math.round(v * 100);
    const busiest = (p) => p.machine?.watchedThreadWait?.busiest;
    const w = (p) => (busiest(p) ? `r${pc(busiest(p).run)}w${pc(busiest(p).wait)}` : "");
    const purposes = d.probes.map(p=>`${p.purpose[0]}${p.load}${p.pass?"+":"-"}${p.limitOf&&p.limitOf!=="target"?"("+p.limitOf+")":""}${w(p)}`).join(" ");
    const probeS = d.probes.reduce((a,p)=>a+p.elapsedMs,0)/1000;
    console.log(`${process.argv[2]} ${process.argv[3]}: exit ${process.argv[4]}, ${d.answer.end} ${d.answer.capacity}, ${d.probes.length} probes, ${Number(process.argv[5]).toFixed(1)} s (probes ${probeS.toFixed(1)} s) | ${purposes}`);
  ' $out/$tag-$door.json "$tag" "$door" "$code" "$(echo "$e - $s" | bc)"
  sleep 2
done
kill $backend
echo "documents: $out"
