// Serves one file over HTTP on 127.0.0.1 for the download benchmark; prints
// "ready" once listening. Usage: file-http-server FILE PORT
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: file-http-server FILE PORT');
const size = statSync(file).size;
createServer((req, res) => {
  res.writeHead(200, { 'content-length': size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }).pipe(res);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
