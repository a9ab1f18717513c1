/**
 * The one definition of a run's peak open connections: the most that were observed open at once. Workers' own
 * peaks need not coincide in time, so their sum would overstate; the largest single worker's peak and each
 * second's summed gauge (the timeline) were both truly open at once, and the peak is the largest of them.
 */
export function peakOpen(workerPeaks: number[], timelineOpen: number[], finalOpen: number): number {
  return Math.max(0, finalOpen, ...workerPeaks, ...timelineOpen);
}
