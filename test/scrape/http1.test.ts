/**
 * The scraper's HTTP/1.1 response framing: every response is fed whole and split at every byte
 * position (a head, a chunk size or a CRLF may straddle two reads), and must give the same head,
 * body and end.
 */
import { describe, expect, it } from 'vitest';
import { HttpProtocolError, type ResponseHead, ResponseParser } from '../../src/lib/scrape/http1.js';

interface Outcome {
  head: ResponseHead | null;
  body: string;
  ended: number;
  extra: number;
  error: string | null;
}

function run(parts: string[], close = false): Outcome {
  const out: Outcome = { head: null, body: '', ended: 0, extra: 0, error: null };
  const p = new ResponseParser({
    onHead: (h) => (out.head = { ...h }),
    onBody: (b) => (out.body += b.toString('latin1')),
    onEnd: () => out.ended++,
  });
  try {
    for (const s of parts) p.push(Buffer.from(s, 'latin1'));
    if (close) p.close();
  } catch (e) {
    expect(e).toBeInstanceOf(HttpProtocolError);
    out.error = (e as Error).message;
  }
  out.extra = p.extra;
  return out;
}

/** The outcome of `raw` fed whole, and the same outcome at every two-way split. */
function splits(raw: string, close = false): Outcome {
  const whole = run([raw], close);
  for (let i = 1; i < raw.length; i++) {
    expect(run([raw.slice(0, i), raw.slice(i)], close), `split at ${i}`).toEqual(whole);
  }
  // And one byte at a time.
  expect(run([...raw], close)).toEqual(whole);
  return whole;
}

const ok = (headers: string, body: string) => `HTTP/1.1 200 OK\r\n${headers}\r\n${body}`;

describe('HTTP/1.1 response framing', () => {
  it('Content-Length', () => {
    const r = splits(ok('Content-Type: text/plain; version=0.0.4\r\nContent-Length: 5\r\n', 'a 1\n\n'));
    expect(r.head).toEqual({
      status: 200,
      statusLine: '200 OK',
      contentType: 'text/plain; version=0.0.4',
      contentEncoding: '',
      location: '',
      keepAlive: true,
    });
    expect(r).toMatchObject({ body: 'a 1\n\n', ended: 1, extra: 0, error: null });
  });

  it('chunked, with chunk extensions and trailers', () => {
    const r = splits(ok('Transfer-Encoding: chunked\r\n', '4;x=y\r\nab\r\n\r\n3\r\ncde\r\n0\r\nX-Trailer: 1\r\n\r\n'));
    expect(r).toMatchObject({ body: 'ab\r\ncde', ended: 1, extra: 0, error: null });
  });

  it('bare LF line endings, as Go accepts', () => {
    const r = splits('HTTP/1.1 200 OK\ncontent-type: x\ntransfer-encoding: chunked\n\n2\nab\n0\n\n');
    expect(r).toMatchObject({ body: 'ab', ended: 1, error: null });
    expect(r.head!.contentType).toBe('x');
  });

  it('a body without length runs to the close, and the connection is not kept', () => {
    const r = splits(ok('Content-Type: t\r\n', 'm 1\n'), true);
    expect(r).toMatchObject({ body: 'm 1\n', ended: 1, error: null });
    expect(r.head!.keepAlive).toBe(false);
  });

  it('interim 1xx responses are skipped', () => {
    const r = splits(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n' + ok('Content-Length: 2\r\n', 'ok'),
    );
    expect(r.head!.status).toBe(200);
    expect(r).toMatchObject({ body: 'ok', ended: 1 });
  });

  it('204 and 304 have no body whatever they say', () => {
    expect(splits('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n')).toMatchObject({ ended: 1, body: '' });
    expect(splits('HTTP/1.1 304 Not Modified\r\n\r\n')).toMatchObject({ ended: 1, body: '' });
  });

  it('status line text, redirects and connection headers', () => {
    const r = splits('HTTP/1.1 302 Moved Elsewhere\r\nLocation: /x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(r.head).toMatchObject({ status: 302, statusLine: '302 Moved Elsewhere', location: '/x', keepAlive: false });
    expect(splits('HTTP/1.0 500 Oops\r\nContent-Length: 0\r\n\r\n').head).toMatchObject({
      statusLine: '500 Oops',
      keepAlive: false,
    });
    expect(splits('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').head!.keepAlive).toBe(true);
    expect(splits('HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n').head!.statusLine).toBe('500');
  });

  it('bytes past the framed response are counted, not taken as body', () => {
    expect(splits(ok('Content-Length: 2\r\n', 'okEXTRA'))).toMatchObject({ body: 'ok', extra: 5, ended: 1 });
  });

  it('a connection that ends early: EOF before any byte, unexpected EOF within a response', () => {
    expect(run([], true).error).toBe('EOF');
    expect(run(['HTTP/1.1 200 OK\r\nContent-Le'], true).error).toBe('unexpected EOF');
    expect(run([ok('Content-Length: 10\r\n', 'abc')], true)).toMatchObject({ body: 'abc', error: 'unexpected EOF' });
    expect(run([ok('Transfer-Encoding: chunked\r\n', '5\r\nab')], true).error).toBe('unexpected EOF');
  });

  it('malformed responses are protocol errors with Go wording', () => {
    expect(run(['SSH-2.0-OpenSSH\r\n\r\n']).error).toBe('malformed HTTP response "SSH-2.0-OpenSSH"');
    expect(run(['HTTP/1.1 2x0 OK\r\n\r\n']).error).toBe('malformed HTTP status code "2x0"');
    expect(run(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n']).error).toBe('malformed MIME header line: no colon here');
    expect(run([ok('Content-Length: -1\r\n', '')]).error).toBe('bad Content-Length "-1"');
    expect(run([ok('Content-Length: 1\r\nContent-Length: 2\r\n', '')]).error).toBe(
      'http: message cannot contain multiple Content-Length headers',
    );
    expect(run([ok('Transfer-Encoding: chunked\r\n', 'zz\r\n')]).error).toBe('invalid byte in chunk length');
    expect(run([ok('Transfer-Encoding: chunked\r\n', '2\r\nabXY')]).error).toBe('malformed chunked encoding');
  });

  it('a head that never ends is cut off at 1 MiB', () => {
    const p = new ResponseParser({ onHead: () => {}, onBody: () => {}, onEnd: () => {} });
    p.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    const line = Buffer.from(`X-Junk: ${'j'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i < 2000; i++) p.push(line);
    }).toThrow('server response headers exceeded 1048576 bytes; aborted');
  });

  it('reset() reads the next response on the same connection', () => {
    let bodies = '';
    let ends = 0;
    const p = new ResponseParser({ onHead: () => {}, onBody: (b) => (bodies += b.toString()), onEnd: () => ends++ });
    p.push(Buffer.from(ok('Content-Length: 1\r\n', 'a')));
    p.reset();
    p.push(Buffer.from(ok('Content-Length: 1\r\n', 'b')));
    expect([bodies, ends]).toEqual(['ab', 2]);
  });
});
