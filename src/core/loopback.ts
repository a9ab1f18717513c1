/** Whether `host` names this machine's loopback: 127.0.0.0/8, ::1 (also IPv4-mapped), or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\./.test(h);
}
