/**
 * --tls and its settings, each checked before any socket opens: the CA file is read and every certificate in it
 * parsed, the cipher list is tried on a real OpenSSL context, the server name must be a host name. A bad value here
 * used to surface as every connection failing (TLS_CERTIFICATE, exit 3) or a worker dying mid-run.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { UsageError } from '../core/errors.js';
import { printable } from '../core/printable.js';
import { TLS_VERSIONS, type TlsVersion } from '../core/vocabulary.js';
import type { TlsClientConfig } from '../documents/result.js';
import { flagOf, type RawRunOptions } from '../options/run-options.js';

const TLS_ONLY = ['sni', 'alpn', 'tlsCa', 'tlsInsecure', 'tlsMin', 'tlsMax', 'tlsCiphers', 'tlsResume'] as const;

/** --tls and its settings; a TLS setting without --tls is refused rather than ignored. */
export function resolveTls(raw: RawRunOptions): TlsClientConfig | null {
  if (raw.tls !== true) {
    const stray = TLS_ONLY.find((k) => raw[k] !== undefined && raw[k] !== false);
    if (stray) throw new UsageError(`${flagOf(stray)}: goes with --tls`);
    return null;
  }
  if (raw.tlsCa !== undefined && raw.tlsInsecure) throw new UsageError('--tls-ca and --tls-insecure: choose one');
  if (raw.tlsCa !== undefined) checkCaFile(raw.tlsCa);
  if (
    raw.tlsMin &&
    raw.tlsMax &&
    TLS_VERSIONS.indexOf(raw.tlsMin as TlsVersion) > TLS_VERSIONS.indexOf(raw.tlsMax as TlsVersion)
  ) {
    throw new UsageError(`--tls-min ${raw.tlsMin} is above --tls-max ${raw.tlsMax}`);
  }
  if (raw.tlsCiphers !== undefined) checkCiphers(raw.tlsCiphers);
  if (raw.sni !== undefined) checkServerName(raw.sni);
  const alpn =
    raw.alpn === undefined
      ? []
      : raw.alpn
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
  if (raw.alpn !== undefined && (alpn.length === 0 || alpn.some((p) => p.length > 255))) {
    throw new UsageError(`--alpn: '${printable(raw.alpn)}' is not a list of protocols (e.g. h2,http/1.1)`);
  }
  return {
    // A trailing dot (the DNS root) is dropped, as curl and browsers do: RFC 6066 sends a server name without it,
    // and a server matching 'api.example' would not match 'api.example.'.
    sni: raw.sni === undefined ? null : raw.sni.replace(/\.$/, ''),
    alpn,
    caFile: raw.tlsCa ?? null,
    insecure: raw.tlsInsecure === true,
    minVersion: raw.tlsMin ?? null,
    maxVersion: raw.tlsMax ?? null,
    ciphers: raw.tlsCiphers ?? null,
    resume: raw.tlsResume === true,
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The file is read and every PEM certificate in it parsed; a file with none (a key, garbage, empty) is refused. */
function checkCaFile(file: string): void {
  const name = `--tls-ca: '${printable(file)}'`;
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${name} is a folder, not a PEM file`);
    text = readFileSync(file, 'latin1');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `--tls-ca: no such file '${printable(file)}'` : `${name}: ${code}`);
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    const what = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)
      ? 'a private key, not a certificate'
      : text.trim() === ''
        ? 'empty'
        : 'no PEM certificate';
    throw new UsageError(`${name} holds ${what}`, 'give the PEM CA certificate(s) that signed the target');
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new UsageError(`${name}: certificate ${i + 1} does not parse (${(e as Error).message})`);
    }
  });
}

/** OpenSSL decides: a list with no cipher it knows fails here, not in every worker mid-run. */
function checkCiphers(list: string): void {
  try {
    createSecureContext({ ciphers: list });
  } catch {
    throw new UsageError(
      `--tls-ciphers: '${printable(list)}' matches no cipher OpenSSL knows`,
      'e.g. ECDHE-RSA-AES128-GCM-SHA256 (openssl ciphers -v lists them)',
    );
  }
}

/** A DNS host name (RFC 1123 labels, at most 253 characters); TLS forbids an IP address as server name. */
function checkServerName(name: string): void {
  const label = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
  const ok =
    name.replace(/\.$/, '').length > 0 &&
    name.length <= 253 &&
    name
      .replace(/\.$/, '')
      .split('.')
      .every((l) => label.test(l));
  if (!ok)
    throw new UsageError(
      `--sni: '${printable(name)}' is not a host name (letters, digits, '-' in dot-separated labels of 1-63, ` +
        'at most 253 in all)',
    );
  if (isIP(name.replace(/\.$/, '')))
    throw new UsageError(`--sni: '${name}' is an IP address; TLS sends only host names as server name`);
}
