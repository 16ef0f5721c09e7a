import type { HttpProxy, HttpSettings } from '../../../machines/host/plan.ts';

/**
 * The proxy a request to `url` goes through, or undefined to go directly:
 * HTTP_PROXY for http, HTTPS_PROXY for https, unless NO_PROXY names the
 * host, as curl decides.
 */
export function proxyFor(url: URL, settings: HttpSettings | undefined): HttpProxy | undefined {
  if (settings === undefined) return undefined;
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (proxy === undefined || bypassesProxy(url, settings.noProxy)) return undefined;
  return proxy;
}

/**
 * NO_PROXY as curl reads it: `*` matches every host; a name matches itself
 * and its subdomains (a leading `.` or `*.` changes nothing); an address
 * matches itself; an entry with :PORT matches that port only. Address
 * ranges (CIDR) are not understood.
 */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = unbracketed(url.hostname).toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return noProxy.some((raw) => {
    if (raw === '*') return true;
    const { name, entryPort } = splitPort(raw.toLowerCase());
    if (entryPort !== undefined && entryPort !== port) return false;
    const domain = name.replace(/^\*?\./, '');
    return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
  });
}

/** `[::1]:8080` or `host:8080` into name and port; a bare IPv6 address has no port. */
function splitPort(entry: string): { name: string; entryPort: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, entryPort: bracketed[2] };
  const named = /^([^:]+):(\d+)$/.exec(entry);
  if (named) return { name: named[1]!, entryPort: named[2] };
  return { name: entry, entryPort: undefined };
}

/** URL.hostname keeps an IPv6 address in brackets; sockets and TLS want it bare. */
export function unbracketed(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}
