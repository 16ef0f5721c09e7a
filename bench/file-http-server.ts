// Serves the files of one directory over HTTP on 127.0.0.1 for the download
// benchmarks, with Content-Length and single byte ranges (qemu-img's http
// driver reads an image by ranges); prints "ready" once listening.
// Usage: file-http-server DIR PORT
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

const [dir, port] = process.argv.slice(2);
if (!dir || !port) throw new Error('usage: file-http-server DIR PORT');
createServer((req, res) => {
  const file = join(dir, basename(new URL(req.url ?? '/', 'http://x').pathname));
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return void res.writeHead(404).end();
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  res.writeHead(range ? 206 : 200, {
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file, { start, end, highWaterMark: 4 * 1024 * 1024 }).pipe(res);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
