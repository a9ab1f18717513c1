/**
 * HdrHistogram's own file formats, from a stored result's encoded histograms: `.hgrm` (the percentile
 * distribution the HdrHistogram plotter reads, values in milliseconds) and `.hlog` (the interval log that
 * HistogramLogProcessor and hdr-histogram-js's HistogramLogReader read). A result keeps whole-run histograms, not
 * per-second ones, so an `.hlog` holds one interval per histogram, tagged with its name, spanning the run.
 */
import * as hdr from 'hdr-histogram-js';
import type { RunResult } from '../documents/result.js';
import { decodeHistogram } from '../instruments/histogram.js';

/** Which of a result's histograms exist, by the name used as file name and `.hlog` tag. */
export function storedHistograms(r: RunResult): { name: string; encoded: string }[] {
  const h = r.histograms;
  return [
    { name: 'round-trip', encoded: h.roundTripUs },
    { name: 'service', encoded: h.serviceUs ?? '' },
    { name: 'connect', encoded: h.connectUs },
    { name: 'tls-handshake', encoded: h.tlsHandshakeUs ?? '' },
  ].filter((e) => e.encoded !== '' && decodeHistogram(e.encoded).totalCount > 0);
}

/** The `.hgrm` text of one encoded histogram (µs recorded, written in ms as the HdrHistogram plotter expects). */
export function hgrmText(encoded: string): string {
  return decodeHistogram(encoded).outputPercentileDistribution(5, 1000);
}

/** An `.hlog` of every histogram of every result: one tagged interval each, from the run's start to its end. */
export function hlogText(results: { label: string; result: RunResult }[]): string {
  let text = '';
  const writer = new hdr.HistogramLogWriter((chunk: string) => {
    text += chunk;
  });
  const base = Math.min(...results.map((r) => Date.parse(r.result.startedAt)));
  writer.outputComment('[l4stress histograms, values in microseconds; one interval per histogram and run]');
  writer.outputLogFormatVersion();
  writer.outputStartTime(base);
  writer.baseTime = base;
  writer.outputLegend();
  for (const { label, result } of results) {
    const start = (Date.parse(result.startedAt) - base) / 1000;
    const end = (Date.parse(result.endedAt) - base) / 1000;
    for (const { name, encoded } of storedHistograms(result)) {
      const h = decodeHistogram(encoded);
      h.tag = tagOf(results.length > 1 ? `${label}.${name}` : name);
      writer.outputIntervalHistogram(h, start, end, 1);
    }
  }
  return text;
}

/** Tags may not hold spaces or commas (the line's separators). */
function tagOf(text: string): string {
  return text.replace(/[\s,=]+/g, '_');
}
