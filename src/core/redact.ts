/**
 * A URL's password never reaches a document or the terminal: `http://user:pass@host/` becomes
 * `http://user:<redacted>@host/` in any text (a --scrape URL in a result, a command line, a warning, an error).
 */

const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi;

export function redactCredentials(text: string): string {
  return text.includes('://') ? text.replace(CREDENTIALS, '$1:<redacted>@') : text;
}
