/** Talks to an `l4stress serve --control-port` backend: reset its window before a run, read its sources after. */

export async function resetBackend(url: string, timeoutMs = 5000): Promise<string | null> {
  try {
    const res = await fetch(`${url}/reset`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? null : `POST ${url}/reset answered ${res.status}`;
  } catch (err) {
    return `cannot reach ${url}: ${describe(err)}`;
  }
}

export async function fetchBackendSources(
  url: string,
  timeoutMs = 15_000,
): Promise<{ sources: Record<string, number> | null; error: string | null }> {
  try {
    const res = await fetch(`${url}/sources`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { sources: null, error: `GET ${url}/sources answered ${res.status}` };
    const body = (await res.json()) as { sources?: Record<string, number> };
    return body.sources
      ? { sources: body.sources, error: null }
      : { sources: null, error: `GET ${url}/sources: no sources in the answer` };
  } catch (err) {
    return { sources: null, error: `cannot reach ${url}: ${describe(err)}` };
  }
}

function describe(err: unknown): string {
  const e = err as { cause?: { code?: string }; message?: string };
  return e.cause?.code ?? e.message ?? String(err);
}
