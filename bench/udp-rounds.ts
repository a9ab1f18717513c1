/**
 * The UDP goals alone with more rounds than the bench's (udp-goal.ts): `node dist/bench/udp-rounds.js [echo rounds]
 * [stream rounds]` (default 3 and 3; 0 skips that part). One round on a shared 2-core machine reads anywhere in a
 * wide band (a closed loop's rate follows the tail); more rounds make the median steadier. Prints the rows and their
 * notes; writes nothing.
 */
import { renderTable } from '../src/reporters/table.js';
import type { Goal } from './goal.js';
import { GOAL_HEADER, goalRows } from './performance-doc.js';
import { UDP_ECHO, UDP_STREAM, udpEchoGoals, udpStreamGoals } from './udp-goal.js';

const [echoText, streamText] = process.argv.slice(2);
const echo = echoText === undefined ? UDP_ECHO.rounds : Number(echoText);
const stream = streamText === undefined ? UDP_STREAM.rounds : Number(streamText);
if (!Number.isInteger(echo) || !Number.isInteger(stream) || echo < 0 || stream < 0 || echo + stream === 0) {
  console.error('usage: udp-rounds [echo rounds] [stream rounds] (whole numbers, not both 0)');
  process.exit(2);
}
const log = (line: string): void => console.log(line);
const goals: Goal[] = [
  ...(echo > 0 ? await udpEchoGoals(log, echo) : []),
  ...(stream > 0 ? await udpStreamGoals(log, stream) : []),
];
console.log(`\n${renderTable(goalRows(goals), GOAL_HEADER)}`);
for (const g of goals.filter((x) => x.note)) console.log(`- ${g.goal}: ${g.note}`);
process.exit(0);
