/** Talks to an `l4stress serve --control-port` backend: reset its window before a run, read its sources after. */
import type { SourceTallyDoc } from '../proxy/source-tally.js';

/** The backend's token (L4STRESS_CONTROL_TOKEN: never an option, so it is in no command line and no result). */
function headers(): Record<string, string> {
  const token = process.env.L4STRESS_CONTROL_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function resetBackend(url: string, timeoutMs = 5000): Promise<string | null> {
  try {
    const res = await fetch(`${url}/reset`, {
      method: 'POST',
      headers: headers(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? null : `POST ${url}/reset answered ${res.status}`;
  } catch (err) {
    return `cannot reach ${url}: ${fetchErrorReason(err)}`;
  }
}

export async function fetchBackendSources(
  url: string,
  timeoutMs = 15_000,
): Promise<{ sources: SourceTallyDoc | null; error: string | null }> {
  try {
    const res = await fetch(`${url}/sources`, { headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { sources: null, error: `GET ${url}/sources answered ${res.status}` };
    const body = (await res.json()) as Partial<SourceTallyDoc>;
    return body.counts && body.digest && typeof body.overflow === 'number'
      ? { sources: { counts: body.counts, overflow: body.overflow, digest: body.digest }, error: null }
      : { sources: null, error: `GET ${url}/sources: not a source tally (an older l4stress serve?)` };
  } catch (err) {
    return { sources: null, error: `cannot reach ${url}: ${fetchErrorReason(err)}` };
  }
}

/** Why a fetch failed, in a word: the socket's error code where undici has one (ECONNREFUSED), else its message. */
export function fetchErrorReason(err: unknown): string {
  // undici wraps the socket's error; connecting to both families at once nests it in an AggregateError.
  const e = err as { cause?: { code?: string; errors?: { code?: string }[]; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message ?? String(err);
}
