/**
 * URL parsing with the outcomes of Go's net/url.Parse, which Prometheus uses for every URL field:
 * what it accepts, what it rejects, and its error wording (`parse "://x": missing protocol scheme`).
 */

export interface GoURL {
  scheme: string;
  /** host[:port], '' when there is no authority. */
  host: string;
  hostname: string;
  port: string;
  path: string;
}

export class URLError extends Error {
  override readonly name = 'URLError';
}

const fail = (s: string, why: string): never => {
  throw new URLError(`parse ${JSON.stringify(s)}: ${why}`);
};

/** Parses like Go's url.Parse; throws URLError with Go's message. */
export function parseGoURL(raw: string): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) fail(raw, 'net/url: invalid control character in URL');
  let rest = raw;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let scheme = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) fail(raw, 'missing protocol scheme');
      scheme = rest.slice(0, i).toLowerCase();
      rest = rest.slice(i + 1);
    }
    break;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const after = rest.slice(2);
    const slash = after.indexOf('/');
    const authority = slash >= 0 ? after.slice(0, slash) : after;
    rest = slash >= 0 ? after.slice(slash) : '';
    const at = authority.lastIndexOf('@');
    host = at >= 0 ? authority.slice(at + 1) : authority;
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) fail(raw, `missing ']' in host`);
      const portPart = host.slice(close + 1);
      if (portPart !== '' && !/^:\d*$/.test(portPart)) fail(raw, `invalid port ${JSON.stringify(portPart)} after host`);
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0) {
        const portPart = host.slice(colon);
        if (!/^:\d*$/.test(portPart)) fail(raw, `invalid port ${JSON.stringify(portPart)} after host`);
      }
      if (/[^a-zA-Z0-9\-._~!$&'()*+,;=:%]/.test(host)) {
        const bad = /[^a-zA-Z0-9\-._~!$&'()*+,;=:%]/.exec(host)![0];
        fail(raw, `invalid character ${JSON.stringify(bad)} in host name`);
      }
    }
  } else if (scheme === '' && rest.includes(':')) {
    const firstSeg = rest.split('/')[0]!;
    if (firstSeg.includes(':')) fail(raw, 'first path segment in URL cannot contain colon');
  }
  const badEscape = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(raw);
  if (badEscape) fail(raw, `invalid URL escape ${JSON.stringify('%' + badEscape[1])}`);
  let hostname = host;
  let port = '';
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  if (m) {
    hostname = m[1]!.replace(/^\[|\]$/g, '');
    port = m[2] ?? '';
  }
  return { scheme, host, hostname, port, path: rest };
}

/** The Go error text for `raw`, or null when Go's url.Parse accepts it. */
export function goURLError(raw: string): string | null {
  try {
    parseGoURL(raw);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
