import { redactCredentials } from './redact.js';

/**
 * Text from outside (a file's bytes, an option's value) made safe to print: control characters (C0, DEL, C1) are
 * escaped, so a hostile file cannot clear the screen or move the cursor through an error message.
 */
export function printable(text: string, max = 200, keepNewlines = false): string {
  let out = '';
  for (const ch of text.length > max ? text.slice(0, max) : text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c !== 0x7f && (c < 0x80 || c >= 0xa0)) out += ch;
    else if (c === 0x0a) out += keepNewlines ? '\n' : '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += `\\u{${c.toString(16)}}`;
  }
  return text.length > max ? `${out}...` : out;
}

/**
 * A whole message for the terminal (a summary, a warning, a log or error line): every control character escaped but
 * the line breaks, nothing cut, any URL's password redacted. The one escaper for what l4stress prints: a scraped
 * label, a watched process's name or a URL may hold ESC, and must never reach the terminal as a raw escape.
 */
export function printableLines(text: string): string {
  return printable(redactCredentials(text), Number.POSITIVE_INFINITY, true);
}
