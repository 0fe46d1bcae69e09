/**
 * The HTTP/1.1 response framing of the scraper's own client: status line, the few headers a scrape
 * needs, and the body's framing (Content-Length, chunked, or until the connection closes).
 *
 * Why not a general HTTP client: a scrape is one GET on a kept-alive connection that a loop uses
 * every interval, and at the rates of a real server (tens of scrapes a second, each after a pause
 * that leaves the CPU caches cold) a general client's layers cost more than the rest of the scrape
 * together — parse and append included. This parser is incremental (a head or a chunk size may be
 * split across reads), copies nothing but the head when the head itself is split, and hands body
 * bytes out as views of the socket's buffers.
 *
 * Errors are worded as Go's net/http words them, because they end up in a target's lastError.
 */

/** The parts of a response head a scrape uses. */
export interface ResponseHead {
  status: number;
  /** Go's resp.Status: the status line after the protocol ("404 Not Found"). */
  statusLine: string;
  contentType: string;
  contentEncoding: string;
  location: string;
  /** False when the connection cannot carry another request (Connection: close, HTTP/1.0). */
  keepAlive: boolean;
}

/** Receives what the parser finds; onHead is called for the final (non-1xx) response only. */
export interface ResponseSink {
  onHead(h: ResponseHead): void;
  /** A view of body bytes, valid during the call. */
  onBody(b: Buffer): void;
  /** The body ended as framed. */
  onEnd(): void;
}

/** A response that breaks HTTP/1.1 framing; the connection is unusable after it. */
export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
}

/** Go's http.Transport default MaxResponseHeaderBytes is 10 MB; scrape targets send ~200 bytes. */
export const MAX_HEAD_BYTES = 1 << 20;

const enum State {
  Head,
  /** Body of known length: `remaining` bytes. */
  Length,
  /** Chunked: reading a chunk-size line. */
  ChunkSize,
  /** Chunked: `remaining` bytes of chunk data. */
  ChunkData,
  /** Chunked: the CRLF after a chunk's data. */
  ChunkDataEnd,
  /** Chunked: trailer lines up to an empty one. */
  Trailer,
  /** Body until the connection closes. */
  UntilClose,
  Done,
}

const LF = 10;
const CR = 13;

/**
 * Parses one response (skipping 1xx interim responses) from the bytes of a connection. Feed every
 * read to push(); call close() when the connection ends. A parser serves one request: make a new
 * one (or reset()) for the next.
 */
export class ResponseParser {
  private state = State.Head;
  private remaining = 0;
  /** Bytes of a head or a chunk-size/trailer line split across reads. */
  private pending: Buffer | null = null;
  /** Bytes received for this response (any part). */
  received = 0;
  /** Bytes after the end of the response (a server that sent more than it framed). */
  extra = 0;
  head: ResponseHead | null = null;

  constructor(
    private readonly sink: ResponseSink,
    /** The request was HEAD, or the response has no body whatever it says (none here: GET). */
    private readonly noBody = false,
  ) {}

  reset(): void {
    this.state = State.Head;
    this.remaining = 0;
    this.pending = null;
    this.received = 0;
    this.extra = 0;
    this.head = null;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True once the whole head has been read. */
  get inBody(): boolean {
    return this.state !== State.Head;
  }

  /**
   * Consumes one read. Throws HttpProtocolError on a malformed response. onEnd comes last, after
   * the whole read is consumed (bytes past the response are counted in `extra`).
   */
  push(b: Buffer): void {
    this.received += b.length;
    if (this.state === State.Done) {
      this.extra += b.length;
      return;
    }
    let i = 0;
    const n = b.length;
    while (i < n) {
      switch (this.state) {
        case State.Head: {
          i = this.headBytes(b, i);
          break;
        }
        case State.Length: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.sink.onBody(i === 0 && take === n ? b : b.subarray(i, i + take));
          i += take;
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.UntilClose: {
          this.sink.onBody(i === 0 ? b : b.subarray(i));
          i = n;
          break;
        }
        case State.ChunkSize:
        case State.Trailer: {
          const line = this.line(b, i);
          if (line === null) return;
          i = line.next;
          if (this.state === State.ChunkSize) this.chunkSize(line.text);
          else if (line.text.length === 0) this.finish();
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          this.sink.onBody(b.subarray(i, i + take));
          i += take;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // CRLF (a bare LF is accepted, as Go's reader does).
          const c = b[i]!;
          if (this.remaining === 2 && c === CR) {
            this.remaining = 1;
            i++;
          } else if (c === LF) {
            this.state = State.ChunkSize;
            i++;
          } else throw new HttpProtocolError('malformed chunked encoding');
          break;
        }
        default: {
          // Done: bytes past the response.
          this.extra += n - i;
          i = n;
          break;
        }
      }
    }
    if (this.done) this.sink.onEnd();
  }

  /** The connection ended. Throws unless the response was complete (or runs to the close). */
  close(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.sink.onEnd();
      return;
    }
    if (this.state === State.Done) return;
    // Go: no byte of a response at all is io.EOF; part of one is io.ErrUnexpectedEOF.
    throw new HttpProtocolError(this.received === 0 ? 'EOF' : 'unexpected EOF');
  }

  private finish(): void {
    this.state = State.Done;
  }

  /** A line (without CR/LF) of a chunked body, buffering a line split across reads. */
  private line(b: Buffer, i: number): { text: string; next: number } | null {
    const lf = b.indexOf(LF, i);
    if (lf < 0) {
      const rest = b.subarray(i);
      this.pending = this.pending === null ? Buffer.from(rest) : Buffer.concat([this.pending, rest]);
      if (this.pending.length > 4096) throw new HttpProtocolError('malformed chunked encoding');
      return null;
    }
    let end = lf;
    let text: string;
    if (this.pending !== null) {
      const all = Buffer.concat([this.pending, b.subarray(i, lf)]);
      this.pending = null;
      end = all.length;
      if (end > 0 && all[end - 1] === CR) end--;
      text = all.toString('latin1', 0, end);
    } else {
      if (end > i && b[end - 1] === CR) end--;
      text = b.toString('latin1', i, end);
    }
    return { text, next: lf + 1 };
  }

  private chunkSize(line: string): void {
    const semi = line.indexOf(';');
    const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (hex.length === 0 || hex.length > 16 || !/^[0-9a-fA-F]+$/.test(hex)) {
      throw new HttpProtocolError('invalid byte in chunk length');
    }
    const size = parseInt(hex, 16);
    if (!Number.isSafeInteger(size)) throw new HttpProtocolError('http chunk length too large');
    if (size === 0) this.state = State.Trailer;
    else {
      this.state = State.ChunkData;
      this.remaining = size;
    }
  }

  /** Reads head bytes from b[i..]; returns where the head ended in b (or b.length). */
  private headBytes(b: Buffer, i: number): number {
    // The head ends at an empty line: LF (CR) LF.
    let end = -1;
    let from = i;
    let buf = b;
    if (this.pending !== null) {
      // Look again across the join (the end may straddle two reads).
      buf = Buffer.concat([this.pending, b.subarray(i)]);
      from = 0;
    }
    for (let p = buf.indexOf(LF, from); p >= 0; p = buf.indexOf(LF, p + 1)) {
      const q = p + 1;
      if (q < buf.length && buf[q] === LF) {
        end = q + 1;
        break;
      }
      if (q + 1 < buf.length && buf[q] === CR && buf[q + 1] === LF) {
        end = q + 2;
        break;
      }
    }
    if (end < 0) {
      if (buf.length - from > MAX_HEAD_BYTES) {
        throw new HttpProtocolError(`server response headers exceeded ${MAX_HEAD_BYTES} bytes; aborted`);
      }
      this.pending = this.pending === null ? Buffer.from(b.subarray(i)) : buf;
      return b.length;
    }
    // Where the head ended in b: buf is b itself, or the pending bytes followed by b[i..].
    const next = this.pending === null ? end : i + end - this.pending.length;
    const headText = buf.toString('latin1', from, end);
    this.pending = null;
    this.parseHead(headText);
    return next;
  }

  private parseHead(text: string): void {
    const lines = text.split('\n');
    const statusLine = lines[0]!.endsWith('\r') ? lines[0]!.slice(0, -1) : lines[0]!;
    // "HTTP/1.1 200 OK"
    const sp = statusLine.indexOf(' ');
    const proto = sp < 0 ? statusLine : statusLine.slice(0, sp);
    if (sp < 0 || !proto.startsWith('HTTP/')) {
      throw new HttpProtocolError(`malformed HTTP response ${JSON.stringify(statusLine)}`);
    }
    const status = statusLine.slice(sp + 1).replace(/^ +/, '');
    const codeText = status.slice(0, 3);
    const code = Number(codeText);
    if (!/^\d{3}$/.test(codeText) || (status.length > 3 && status[3] !== ' ')) {
      throw new HttpProtocolError(`malformed HTTP status code ${JSON.stringify(status.split(' ')[0])}`);
    }
    const http10 = proto === 'HTTP/1.0';
    let contentType = '';
    let contentEncoding = '';
    let location = '';
    let contentLength = -1;
    let chunked = false;
    let connection = '';
    for (let k = 1; k < lines.length; k++) {
      let l = lines[k]!;
      if (l.endsWith('\r')) l = l.slice(0, -1);
      if (l.length === 0) continue;
      const colon = l.indexOf(':');
      if (colon <= 0) throw new HttpProtocolError(`malformed MIME header line: ${l}`);
      const name = l.slice(0, colon).toLowerCase();
      const value = l.slice(colon + 1).trim();
      switch (name) {
        case 'content-type':
          if (contentType === '') contentType = value;
          break;
        case 'content-encoding':
          if (contentEncoding === '') contentEncoding = value;
          break;
        case 'location':
          if (location === '') location = value;
          break;
        case 'content-length': {
          if (!/^\d+$/.test(value)) throw new HttpProtocolError(`bad Content-Length ${JSON.stringify(value)}`);
          const v = Number(value);
          if (contentLength >= 0 && contentLength !== v) {
            throw new HttpProtocolError('http: message cannot contain multiple Content-Length headers');
          }
          contentLength = v;
          break;
        }
        case 'transfer-encoding':
          if (value.toLowerCase() === 'chunked') chunked = true;
          else if (value.toLowerCase() !== 'identity') {
            throw new HttpProtocolError(`unsupported transfer encoding: ${JSON.stringify(value)}`);
          }
          break;
        case 'connection':
          connection += value.toLowerCase() + ',';
          break;
      }
    }
    if (code >= 100 && code < 200 && code !== 101) {
      // Interim response (100 Continue, 103 Early Hints): the real one follows.
      return;
    }
    const noBody = this.noBody || code === 204 || code === 304 || code === 101;
    // A body that runs to the close leaves no connection to keep.
    const untilClose = !noBody && !chunked && contentLength < 0;
    const keepAlive = !untilClose && (http10 ? connection.includes('keep-alive') : !connection.includes('close'));
    this.head = { status: code, statusLine: status, contentType, contentEncoding, location, keepAlive };
    this.sink.onHead(this.head);
    if (noBody) this.finish();
    else if (chunked) this.state = State.ChunkSize;
    else if (untilClose) this.state = State.UntilClose;
    else {
      this.remaining = contentLength;
      if (contentLength === 0) this.finish();
      else this.state = State.Length;
    }
  }
}
