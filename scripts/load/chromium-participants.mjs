// Headless Chromium participants for the capacity comparison: PAIRS pairs of browser processes (one process per
// participant), each page sending fake 640x360@30 video (capped at ~600 kbit/s) + fake audio (Opus) to its partner
// over loopback, signaled through this script's tiny HTTP mailbox. Once every pair is connected, samples each browser's
// process tree (CPU from /proc/PID/stat, RSS and PSS from /proc/PID/smaps_rollup) for SECONDS and prints one JSON line.
//   node scripts/load/chromium-participants.mjs [pairs=2] [seconds=30]
import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pairs = Number(process.argv[2] ?? 2);
const seconds = Number(process.argv[3] ?? 30);
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ticksPerSecond = 100; // USER_HZ on Linux

const page = `<!doctype html><meta charset="utf-8"><script>
const q = new URLSearchParams(location.search), me = q.get('me'), peer = q.get('peer'), caller = q.get('caller') === '1';
const post = (p, body) => fetch(p, { method: 'POST', body: JSON.stringify(body) });
(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
  const pc = new RTCPeerConnection();
  stream.getTracks().forEach(t => pc.addTrack(t, stream));
  pc.onicecandidate = e => e.candidate && post('/to/' + peer, { candidate: e.candidate });
  pc.onconnectionstatechange = () => post('/status/' + me, { state: pc.connectionState });
  const cap = async () => { for (const s of pc.getSenders()) if (s.track && s.track.kind === 'video') {
    const p = s.getParameters(); p.encodings = p.encodings?.length ? p.encodings : [{}]; p.encodings[0].maxBitrate = 600000; await s.setParameters(p); } };
  if (caller) { await pc.setLocalDescription(await pc.createOffer()); await post('/to/' + peer, { sdp: pc.localDescription }); }
  for (;;) {
    const msgs = await (await fetch('/poll/' + me)).json();
    for (const m of msgs) {
      if (m.sdp) { await pc.setRemoteDescription(m.sdp); if (m.sdp.type === 'offer') { await pc.setLocalDescription(await pc.createAnswer()); await post('/to/' + peer, { sdp: pc.localDescription }); } await cap(); }
      if (m.candidate) await pc.addIceCandidate(m.candidate);
      if (m.stats) { let v = 0, a = 0, fps = 0; (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp') { if (r.kind === 'video') { v = r.framesDecoded; fps = r.framesPerSecond ?? 0; } else a = r.packetsReceived; } });
        await post('/status/' + me, { framesDecoded: v, fps, audioPackets: a }); }
    }
  }
})().catch(e => post('/status/' + me, { error: String(e) }));
</script>`;

const boxes = new Map(), waiters = new Map(), status = new Map();
const deliver = (to, msg) => { const w = waiters.get(to); if (w) { waiters.delete(to); w([msg]); } else { (boxes.get(to) ?? boxes.set(to, []).get(to)).push(msg); } };
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', c => body += c);
  req.on('end', () => {
    const [, verb, id] = req.url.split('?')[0].split('/');
    if (verb === 'to') { deliver(id, JSON.parse(body)); res.end('{}'); return; }
    if (verb === 'status') { status.set(id, { ...status.get(id), ...JSON.parse(body) }); res.end('{}'); return; }
    if (verb === 'poll') {
      const queued = boxes.get(id) ?? []; boxes.delete(id);
      const reply = m => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(m)); };
      if (queued.length) reply(queued); else { waiters.set(id, reply); setTimeout(() => { if (waiters.get(id) === reply) { waiters.delete(id); reply([]); } }, 20000); }
      return;
    }
    res.setHeader('content-type', 'text/html'); res.end(page);
  });
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'callbot-chromium-'));
const browsers = [];
for (let p = 0; p < pairs; p++) {
  for (const [me, peer, caller] of [[`a${p}`, `b${p}`, 1], [`b${p}`, `a${p}`, 0]]) {
    const child = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      // fps=30: the fake camera's default is 20 fps, which would compare a lighter load than the bots' 30 fps.
      '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream=fps=30', '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required', `--user-data-dir=${path.join(profiles, me)}`,
      `http://127.0.0.1:${port}/page?me=${me}&peer=${peer}&caller=${caller}`], { stdio: 'ignore' });
    browsers.push({ id: me, child });
  }
}

const sleep = ms => new Promise(r => setTimeout(r, ms));
const deadline = Date.now() + 90000;
while ([...browsers].some(b => status.get(b.id)?.state !== 'connected') && Date.now() < deadline) await sleep(250);

const tree = root => {
  const all = fs.readdirSync('/proc').filter(d => /^\d+$/.test(d)).map(Number);
  const parent = new Map();
  for (const pid of all) { try { parent.set(pid, Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1])); } catch {} }
  const out = [root]; for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
};
const cpuTicks = pids => pids.reduce((sum, pid) => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return sum + Number(f[11]) + Number(f[12]); } catch { return sum; } }, 0);
const memory = pids => pids.reduce((m, pid) => { try { const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  m.rss += Number(/^Rss:\s+(\d+)/m.exec(t)[1]); m.pss += Number(/^Pss:\s+(\d+)/m.exec(t)[1]); } catch {} return m; }, { rss: 0, pss: 0 });

const connected = browsers.filter(b => status.get(b.id)?.state === 'connected').length;
await sleep(5000); // let bandwidth estimation reach the cap before measuring
const pids = browsers.map(b => tree(b.child.pid));
const before = pids.map(cpuTicks), started = Date.now();
let rss = 0, pss = 0, samples = 0;
while (Date.now() - started < seconds * 1000) {
  await sleep(2000);
  const m = pids.map(memory); rss += m.reduce((s, x) => s + x.rss, 0); pss += m.reduce((s, x) => s + x.pss, 0); samples++;
}
const elapsed = (Date.now() - started) / 1000;
const cpu = pids.map((p, i) => (cpuTicks(p) - before[i]) / ticksPerSecond / elapsed * 100);
for (const b of browsers) deliver(b.id, { stats: true });
await sleep(3000);
const n = browsers.length;
const result = {
  participants: n, connected, seconds: Math.round(elapsed),
  cpuPercentPerParticipant: +(cpu.reduce((a, b) => a + b, 0) / n).toFixed(1),
  rssMbPerParticipant: +(rss / samples / n / 1024).toFixed(1),
  pssMbPerParticipant: +(pss / samples / n / 1024).toFixed(1),
  processesPerParticipant: +(pids.reduce((s, p) => s + p.length, 0) / n).toFixed(1),
  receivedVideoFps: browsers.map(b => status.get(b.id)?.fps ?? 0),
  framesDecoded: browsers.map(b => status.get(b.id)?.framesDecoded ?? 0),
  errors: browsers.map(b => status.get(b.id)?.error).filter(Boolean),
};
console.log(JSON.stringify(result));
for (const b of browsers) b.child.kill('SIGKILL');
server.close();
await sleep(500);
fs.rmSync(profiles, { recursive: true, force: true });
process.exit(0);
