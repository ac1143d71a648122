// The compose lab's webhook receiver: verifies CallBot-Signature (t=<unix s>,v1=<hex HMAC-SHA256(secret, "t.body")>)
// with the documented 5-minute window, answers 204 (valid) or 401, and prints one line per event.
const http = require('http');
const crypto = require('crypto');
const secret = process.env.WEBHOOK_SECRET || '';
const toleranceSeconds = 300;
http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', c => { size += c.length; if (size > 4 * 1024 * 1024) { req.destroy(); return; } chunks.push(c); });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const header = req.headers['callbot-signature'] || '';
    const fields = Object.fromEntries(header.split(',').map(p => p.split('=', 2)));
    const t = Number(fields.t);
    const expected = crypto.createHmac('sha256', secret).update(`${fields.t}.`).update(body).digest();
    const given = Buffer.from(fields.v1 || '', 'hex');
    const fresh = Number.isInteger(t) && Math.abs(Date.now() / 1000 - t) <= toleranceSeconds;
    const valid = fresh && given.length === expected.length && crypto.timingSafeEqual(given, expected);
    let event = {};
    try { event = JSON.parse(body.toString('utf8')); } catch { /* counted as invalid below */ }
    console.log(`${new Date().toISOString()} ${valid ? 'valid' : 'REFUSED'} ${event.type} session=${event.sessionId} id=${event.id}`);
    res.writeHead(valid ? 204 : 401).end();
  });
}).listen(8090, '0.0.0.0');
