// A small Node app exposing Prometheus metrics without dependencies.
//
//   node examples/apps/node/server.mjs --port 3000 [--host 127.0.0.1]
//
// GET /          answers "hello" and counts http_requests_total{method,path,status}
// GET /work      simulates some work observed in http_request_duration_seconds (a histogram)
// GET /metrics   the text exposition format 0.0.4
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '3000'));

const requests = new Map(); // "method\0path\0status" -> count
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const hist = { counts: new Array(buckets.length).fill(0), sum: 0, count: 0 };
const started = Date.now() / 1000;

function observe(seconds) {
  for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]) hist.counts[i]++;
  hist.sum += seconds;
  hist.count++;
}

function esc(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function exposition() {
  const out = [];
  out.push('# HELP http_requests_total HTTP requests served, by method, path and status.');
  out.push('# TYPE http_requests_total counter');
  for (const [k, v] of [...requests].sort()) {
    const [method, path, status] = k.split('\0');
    out.push(`http_requests_total{method="${esc(method)}",path="${esc(path)}",status="${status}"} ${v}`);
  }
  out.push('# HELP http_request_duration_seconds Time spent on /work requests.');
  out.push('# TYPE http_request_duration_seconds histogram');
  buckets.forEach((b, i) => out.push(`http_request_duration_seconds_bucket{le="${b}"} ${hist.counts[i]}`));
  out.push(`http_request_duration_seconds_bucket{le="+Inf"} ${hist.count}`);
  out.push(`http_request_duration_seconds_sum ${hist.sum}`);
  out.push(`http_request_duration_seconds_count ${hist.count}`);
  const mem = process.memoryUsage();
  out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.');
  out.push('# TYPE process_resident_memory_bytes gauge');
  out.push(`process_resident_memory_bytes ${mem.rss}`);
  out.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.');
  out.push('# TYPE process_start_time_seconds gauge');
  out.push(`process_start_time_seconds ${started}`);
  out.push('# HELP nodejs_heap_used_bytes V8 heap in use.');
  out.push('# TYPE nodejs_heap_used_bytes gauge');
  out.push(`nodejs_heap_used_bytes ${mem.heapUsed}`);
  return out.join('\n') + '\n';
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const count = (status) => {
    const k = `${req.method}\0${path}\0${status}`;
    requests.set(k, (requests.get(k) ?? 0) + 1);
  };
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    return res.end(exposition());
  }
  if (path === '/') {
    count(200);
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('hello\n');
  }
  if (path === '/work') {
    const t0 = process.hrtime.bigint();
    setTimeout(() => {
      observe(Number(process.hrtime.bigint() - t0) / 1e9);
      count(200);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('done\n');
    }, Math.random() * 50);
    return;
  }
  count(404);
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, host, () => console.log(`listening on http://${host}:${port}/ (metrics at /metrics)`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
