// Serves the built demo (demo/build/) on 127.0.0.1: `npm run demo` builds it and runs this.
// PORT=… chooses the port (default 8080). Also used by the browser test (test/browser/demo.test.ts).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.map': 'application/json', '.wasm': 'application/wasm', '.csv': 'text/csv', '.json': 'application/json' };

/** Starts a static server for `root` on 127.0.0.1:`port` (0: any free port); resolves to the server. */
export function serve(root, port = 8080) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('./build/', import.meta.url));
  const server = await serve(root, Number(process.env.PORT ?? 8080));
  console.log(`minibatch demo: http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
}
