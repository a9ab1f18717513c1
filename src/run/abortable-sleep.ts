/**
 * The run loop's waits: each phase sleeps its length, or less when the run is aborted (Ctrl-C); `clear()` drops
 * what is left so no timer outlives its phase, and `dispose()` unhooks the signal (a scenario passes one signal to
 * every run: listeners would pile up on it).
 */
export class AbortableSleep {
  /** Resolves when the signal fires (at once if it already had). */
  readonly aborted: Promise<void>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private onAbort: () => void = () => {};

  constructor(private readonly signal: AbortSignal | undefined) {
    this.aborted = new Promise<void>((resolve) => {
      this.onAbort = resolve;
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', this.onAbort, { once: true });
    });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
      void this.aborted.then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  dispose(): void {
    this.clear();
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
