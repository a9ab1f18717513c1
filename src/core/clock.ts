/** Waiting for a wall-clock time (--start-at), abortable. */

/** Waits until the wall-clock time `iso` (or an abort); how late it is then, in ms (0 when on time). */
export async function waitUntil(iso: string, signal?: AbortSignal): Promise<number> {
  const at = Date.parse(iso);
  const wait = at - Date.now();
  if (wait > 0 && !signal?.aborted)
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  return Math.max(0, Date.now() - at);
}
