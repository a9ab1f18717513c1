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
