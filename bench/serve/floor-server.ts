/**
 * The floor of bench:serve: a bare node:http server that reads each request's
 * JSON body, parses it and answers a fixed score, with no model, no framework
 * and no batching. What it reaches under the same load on the same machine is
 * what any Node server of one process could reach here; the bench prints
 * aekit serve's latency next to it. Prints `listening <port>` once it listens.
 */
import { createServer } from 'node:http';

const answer = JSON.stringify({ score: 0.5, anomaly: 0, threshold: 1 });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
