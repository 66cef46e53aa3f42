/**
 * The web app the preview tests run inside sandboxes (guest Node 18, no packages): it logs every
 * request line it receives, echoes request headers, streams SSE and large chunked bodies,
 * redirects, and answers WebSocket upgrades on /ws with a minimal echo (hand-written framing).
 */
export const PREVIEW_APP = String.raw`
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const port = Number(process.argv[2]);
const log = (line) => fs.appendFileSync('/workspace/requests-' + port + '.log', line + '\n');
const page = '<!doctype html><title>preview</title><p id="s">waiting</p><script>' +
  'const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + location.pathname + "ws");' +
  'ws.onopen = () => ws.send("hello");' +
  'ws.onmessage = (e) => { document.getElementById("s").textContent = "ws:" + e.data; };' +
  '</script>';
const server = http.createServer((req, res) => {
  log(req.method + ' ' + req.url);
  const path = req.url.split('?')[0];
  if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (path.startsWith('/headers')) {
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
  }
  if (path === '/redirect') return res.writeHead(302, { location: '/target' }).end();
  if (path === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: one\n\n');
    // The second event waits until the client goes: only a proxy that flushes delivers 'one'.
    const t = setTimeout(() => res.end('data: two\n\n'), 600000);
    req.on('close', () => clearTimeout(t));
    return;
  }
  if (path === '/big') {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = Number(new URL(req.url, 'http://x').searchParams.get('mib') || '4') * 16;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const more = () => {
      while (sent < total) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    return more();
  }
  if (path === '/echo') {
    let n = 0;
    req.on('data', (d) => (n += d.length));
    req.on('end', () => res.end(JSON.stringify({ bytes: n })));
    return;
  }
  res.writeHead(404).end('no');
});
server.on('upgrade', (req, socket) => {
  log('UPGRADE ' + req.url);
  const accept = crypto.createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 6) {
      const op = buf[0] & 15;
      let len = buf[1] & 127;
      let off = 2;
      if (len === 126) { len = buf.readUInt16BE(2); off = 4; }
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4);
      const data = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      buf = buf.subarray(off + 4 + len);
      if (op === 8) return socket.end();
      if (op !== 1) continue;
      const out = Buffer.from('echo:' + data.toString());
      const head = out.length < 126 ? Buffer.from([0x81, out.length]) : Buffer.from([0x81, 126, out.length >> 8, out.length & 255]);
      socket.write(Buffer.concat([head, out]));
    }
  });
  socket.on('error', () => {});
});
server.listen(port, '0.0.0.0');
`;
