/**
 * Where aekit's HTTP servers (the dashboard, `aekit serve`) listen, and the
 * one check that follows from it. Both bind 127.0.0.1 unless told otherwise,
 * and neither has a login, so the loopback rules live here once.
 */

/** The interface a server listens on unless `--host` says otherwise: this machine only. */
export const LOCAL_HOST = '127.0.0.1';

/** Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Why a request to a server bound to a loopback address is refused, or
 * undefined when it is answered. DNS rebinding: a page on another site whose
 * name resolves to 127.0.0.1 reaches the server with its own Host header, so
 * only this machine's names for it are answered. A server bound to another
 * interface was opened to the network on purpose and answers any Host.
 */
export function foreignHostReason(boundHost: string, port: number, hostHeader: string | undefined): string | undefined {
  if (!isLoopbackHost(boundHost)) return undefined;
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  return allowed.includes(hostHeader ?? '') ? undefined : `Host ${hostHeader ?? '(none)'} is not this server; use http://127.0.0.1:${port}/`;
}

/** The address to print for a server listening on `host`:`port` (a wildcard host is shown as 127.0.0.1). */
export function serverUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown === '0.0.0.0' || shown === '[::]' ? LOCAL_HOST : shown}:${port}/`;
}
