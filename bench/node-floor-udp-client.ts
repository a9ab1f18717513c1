/**
 * Node's floor for one UDP flow in closed loop (ping-pong): the least a Node client does per round trip with
 * node:dgram — one connected socket, send a datagram, on its echo stamp the clock and send the next. No stamp in
 * the payload, no tracker, no histogram (round trips go into a preallocated array, sorted once at the end). What it
 * reaches against the same echo target as l4stress bounds what any Node engine can reach there; sockperf's
 * distance to it is Node's (libuv, node:dgram's per-datagram Buffer), not ours.
 *
 * A datagram lost in ping-pong would stall the loop: a check every 200 ms resends if nothing came back since the
 * last check, and counts it. Bounded: a 1 s warm-up, then `seconds`, then it exits.
 *
 * Usage: node node-floor-udp-client.js host port size seconds — prints
 * {"roundTripsPerSecond": n, "roundTrips": n, "p50Us": n, "p99Us": n, "resent": n}.
 */
import dgram from 'node:dgram';

const [host, portText, sizeText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const size = Number(sizeText);
const seconds = Number(secondsText);
if (!host || !(port > 0) || !(size > 0 && size <= 65_507) || !(seconds > 0)) {
  process.stderr.write('usage: node-floor-udp-client host port size seconds\n');
  process.exit(2);
}
const WARMUP_MS = 1000;
/** At most this many round trips are kept for the percentiles (8 MB); the rate counts them all. */
const KEPT = 1 << 20;
const rtts = new Float64Array(KEPT);
const message = Buffer.alloc(size, 7);
const socket = dgram.createSocket('udp4');
let counting = false;
let counted = 0;
let resent = 0;
let sentAt = 0;
let sinceCheck = 0;

function send(): void {
  sentAt = performance.now();
  socket.send(message);
}

socket.on('message', () => {
  const now = performance.now();
  sinceCheck++;
  if (counting) {
    if (counted < KEPT) rtts[counted] = now - sentAt;
    counted++;
  }
  send();
});

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

socket.connect(port, host, () => {
  const check = setInterval(() => {
    if (sinceCheck === 0) {
      resent++;
      send();
    }
    sinceCheck = 0;
  }, 200);
  send();
  setTimeout(() => {
    counting = true;
    const start = performance.now();
    setTimeout(() => {
      const elapsedS = (performance.now() - start) / 1000;
      clearInterval(check);
      const kept = rtts.subarray(0, Math.min(counted, KEPT)).sort();
      const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
      const out = {
        roundTripsPerSecond: Math.round(counted / elapsedS),
        roundTrips: counted,
        p50Us: us(percentile(kept, 50)),
        p99Us: us(percentile(kept, 99)),
        resent,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
      process.exit(0);
    }, seconds * 1000);
  }, WARMUP_MS);
});
