import { createServer, get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * A forward proxy on 127.0.0.1 that wants `user:pw`: plain requests in absolute form are passed
 * on, CONNECT opens a tunnel. Records what it saw.
 */
export async function startProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const want = 'Basic ' + Buffer.from('user:pw').toString('base64');
  const socks = new Set<Socket>();
  const proxy = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.headers['proxy-authorization'] !== want) {
      res.writeHead(407);
      return void res.end();
    }
    get(req.url!, { headers: { ...req.headers, host: new URL(req.url!).host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
  });
  proxy.on('connection', (s) => socks.add(s));
  proxy.on('connect', (req: IncomingMessage, client: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    if (req.headers['proxy-authorization'] !== want) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [h, p] = req.url!.split(':');
    const up = connect(Number(p), h, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(client);
      client.pipe(up);
    });
    socks.add(up);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    seen,
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    },
  };
}
