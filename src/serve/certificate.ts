/**
 * A throwaway self-signed certificate for `serve --tls` without --cert/--key and for the embedded target: made by
 * the `openssl` command (OpenSSL's `req -x509`, P-256 key, valid 2 days; by default CN and SAN localhost,
 * 127.0.0.1, ::1).
 * Node can make keys but not X.509 certificates; openssl is on every system that has Node's TLS anyway, and the
 * install script installs it where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CouldNotRunError } from '../core/errors.js';

export interface CertificatePair {
  /** PEM. */
  cert: string;
  key: string;
}

/** For `name` (default localhost, with 127.0.0.1 and ::1 as well). */
export function selfSignedCertificate(name = 'localhost'): CertificatePair {
  const san = name === 'localhost' ? 'DNS:localhost,IP:127.0.0.1,IP:::1' : `DNS:${name}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l4stress-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=${san}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 },
    );
    return {
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new CouldNotRunError(
      `cannot make a self-signed certificate with openssl: ` +
        `${e.code === 'ENOENT' ? 'openssl is not installed' : (e.stderr?.toString().trim() ?? e.message)}`,
      'install openssl (bash native-tools/install.sh does), or give --cert and --key',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
