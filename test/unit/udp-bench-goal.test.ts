/** The UDP bench rows' own rules (bench/udp-goal.ts): which round is reported, and "at equal loss". */
import { describe, expect, it } from 'vitest';
import { medianRound, type StreamRound, streamGoal } from '../../bench/udp-goal.js';

const round = (ours: number, oursLost: number, iperf3: number, iperf3Lost = 0): StreamRound => ({
  ours: { deliveredPerSecond: ours, lostPercent: oursLost, runLostPercent: oursLost, oneWayPercent: 100 },
  iperf3: { deliveredPerSecond: iperf3, lostPercent: iperf3Lost },
});

describe('the median round', () => {
  it('is the round whose ratio is the median, with every ratio for the note', () => {
    const rounds = [
      { a: 30, b: 10 },
      { a: 10, b: 10 },
      { a: 20, b: 10 },
    ];
    const m = medianRound(
      rounds,
      (r) => r.a,
      (r) => r.b,
    );
    expect(m.round).toBe(rounds[2]);
    expect(m).toMatchObject({ l4stress: 20, reference: 10, ratios: '3.00, 1.00, 2.00' });
  });
});

describe('the stream row', () => {
  it('passes at 0.8x of iperf3 and above when the losses are equal', () => {
    const g = streamGoal([round(8_000, 0, 10_000), round(9_000, 0, 10_000), round(7_000, 0, 10_000)], 'x');
    expect(g).toMatchObject({ l4stress: 8_000, reference: 10_000, ratio: 0.8, verdict: 'pass' });
    expect(g.note).toMatch(/ratios 0\.80, 0\.90, 0\.70/);
  });

  it("is short when the reported round lost more than iperf3 did, whatever the rate's ratio", () => {
    const g = streamGoal([round(10_000, 0.5, 10_000, 0.2)], 'x');
    expect(g.ratio).toBe(1);
    expect(g.verdict).toBe('short');
    expect(g.note).toMatch(/loss not equal: short$/);
  });

  it('a loss within 0.1 points of iperf3 counts as equal', () => {
    expect(streamGoal([round(10_000, 0.25, 10_000, 0.2)], 'x').verdict).toBe('pass');
  });
});
