/**
 * The closed set of socket error kinds l4stress counts (by phase: connect, drop). Anything else is OTHER, so the
 * set never grows without bound. Kept free of other imports: load workers read it on their hot path's edge.
 */
export const ERROR_KINDS = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'EMFILE',
  'ENFILE',
  'ENOBUFS',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'ENOTCONN',
  // A target name that does not resolve (now, or for the moment), and a bad address or option for the socket.
  'ENOTFOUND',
  'EAI_AGAIN',
  'EINVAL',
  'EOF',
  'OTHER',
  // TLS handshake failures, by what went wrong (instruments/errors.ts maps OpenSSL's codes onto these).
  'TLS_ALERT',
  'TLS_CERTIFICATE',
  'TLS_PROTOCOL_VERSION',
  'TLS_TIMEOUT',
  'TLS_OTHER',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
