/**
 * The limits of one --scrape, written once: the scraper enforces them, the result records them, --help and the docs
 * quote them. An exporter is a peer like any other: an endless, huge, slow or hostile body must cost the generator a
 * bounded amount of memory and time, and a scrape that hits a limit is a failure counted by that limit's name (as
 * Prometheus fails a scrape over its body_size_limit, sample_limit or label_value_length_limit).
 */

export const SCRAPE_BOUNDS = {
  /** The body is streamed and parsed as it arrives; past this many bytes the connection is closed. */
  bodyBytes: 8 * 1024 * 1024,
  /** From the request to the body's end (the period is 1 s: a slow exporter never has two scrapes in flight). */
  timeMs: 900,
  /**
   * Samples of selected series in one body (what reading one body may cost: a selected sample's labels are read and
   * keyed; the others are skipped at a glance, bounded by the body's size).
   */
  samples: 10_000,
  /** One line of the body (a sample or a comment): what is buffered while it arrives. */
  lineChars: 16 * 1024,
  /** One label value of a kept series. */
  labelValueChars: 256,
  /** A kept series' whole name with its labels (each timeline row holds every kept series' key). */
  seriesKeyChars: 512,
  /** Series kept per run; beyond, a series is left out (counted, the scrape does not fail). */
  series: 200,
} as const;

/** The limits a scrape fails by, by name (the result's `failuresByBound`). */
export const SCRAPE_BOUND_NAMES = ['bodyBytes', 'timeMs', 'samples', 'lineChars', 'labelValueChars'] as const;
export type ScrapeBoundName = (typeof SCRAPE_BOUND_NAMES)[number];

/** What hitting each limit is called in warnings and in a target's lastError. */
export function scrapeBoundText(bound: ScrapeBoundName): string {
  const b = SCRAPE_BOUNDS;
  switch (bound) {
    case 'bodyBytes':
      return `body over ${b.bodyBytes / 1024 / 1024} MiB`;
    case 'timeMs':
      return `not done within ${b.timeMs} ms`;
    case 'samples':
      return `over ${b.samples.toLocaleString('en-US')} samples of selected series`;
    case 'lineChars':
      return `a line over ${b.lineChars.toLocaleString('en-US')} characters`;
    case 'labelValueChars':
      return (
        `a kept series with a label value over ${b.labelValueChars} characters or a key over ` +
        `${b.seriesKeyChars} characters`
      );
  }
}

/** The limits in one phrase, for --help and the docs. */
export const SCRAPE_BOUNDS_TEXT =
  `each scrape is bounded (${SCRAPE_BOUNDS.bodyBytes / 1024 / 1024} MiB of body, ${SCRAPE_BOUNDS.timeMs} ms, ` +
  `${SCRAPE_BOUNDS.samples.toLocaleString('en-US')} samples of selected series, ` +
  `lines of ${SCRAPE_BOUNDS.lineChars / 1024} KiB, label values of ${SCRAPE_BOUNDS.labelValueChars} and series ` +
  `keys of ${SCRAPE_BOUNDS.seriesKeyChars} characters; ${SCRAPE_BOUNDS.series} series kept): one that goes past ` +
  'a bound fails, counted by its name';

/** A scrape stopped by one of its bounds. */
export class ScrapeBoundError extends Error {
  constructor(readonly bound: ScrapeBoundName) {
    super(scrapeBoundText(bound));
    this.name = 'ScrapeBoundError';
  }
}
