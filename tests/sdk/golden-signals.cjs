// Generates call-signaling stanzas with the REAL ConnectyCube SDK (npm "connectycube", pinned in package.json)
// for the golden tests in tests/CallBot.Signaling.Tests/ConnectyCube. The SDK's own session code builds every
// stanza; only RTCPeerConnection and the XMPP socket are faked. Output (stdout): one JSON array of
//   { name, from, to, xml, parsed }  where parsed is the SDK's own getCallExtension() of that stanza.
// Usage: node golden-signals.cjs
'use strict';

const log = console.log;
console.log = (...args) => process.stderr.write(args.map(String).join(' ') + '\n'); // the SDK traces to console.log
console.warn = console.log;
console.info = console.log;

// --- a browser-like environment, so the SDK enables its WebRTC module (platform "web") ---
const SDP = {
  offer: (tag) => [
    'v=0', `o=- 46117317${tag} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=extmap-allow-mixed',
    'a=msid-semantic: WMS', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:uf${tag}`, `a=ice-pwd:pwd${tag}aaaaaaaaaaaaaaaaaaa`, 'a=ice-options:trickle',
    'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
    'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', '',
  ].join('\r\n'),
  answer: (tag) => SDP.offer(tag).replace('a=setup:actpass', 'a=setup:active'),
};
let pcCounter = 0;
class FakeRTCPeerConnection {
  constructor() { this.handlers = {}; this.signalingState = 'stable'; this.iceConnectionState = 'new'; this.canTrickleIceCandidates = true; this.tag = ++pcCounter; }
  addEventListener(name, fn) { this.handlers[name] = fn; }
  removeEventListener(name) { delete this.handlers[name]; }
  addTrack() {}
  getSenders() { return []; }
  async createOffer(options) { return { type: 'offer', sdp: SDP.offer(options && options.iceRestart ? `${this.tag}r` : `${this.tag}`) }; }
  async createAnswer() { return { type: 'answer', sdp: SDP.answer(`${this.tag}a`) }; }
  async setLocalDescription(d) { this.localDescription = d; this.setSignaling(d.type === 'offer' ? 'have-local-offer' : 'stable'); }
  async setRemoteDescription(d) { this.remoteDescription = d; this.setSignaling(d.type === 'offer' ? 'have-remote-offer' : 'stable'); }
  async addIceCandidate() {}
  close() { this.signalingState = 'closed'; }
  setSignaling(s) { this.signalingState = s; if (this.handlers.signalingstatechange) this.handlers.signalingstatechange(); }
  emitCandidate(c) { this.handlers.icecandidate({ candidate: c }); }
}
globalThis.window = globalThis;
globalThis.document = {};
globalThis.RTCPeerConnection = FakeRTCPeerConnection;
globalThis.RTCSessionDescription = class { constructor(init) { Object.assign(this, init); } };
globalThis.MediaStream = class { getTracks() { return []; } getVideoTracks() { return []; } getAudioTracks() { return []; } addTrack() {} };
Object.defineProperty(globalThis, 'navigator', {
  value: { userAgent: 'node', mediaDevices: { getUserMedia: async () => new MediaStream(), enumerateDevices: async () => [] } },
  configurable: true,
});

const sdk = require('./node_modules/connectycube/dist/node/index.cjs');
const ltx = require('ltx');
const ConnectyCube = (sdk.default || sdk).ConnectyCube;
const APP_ID = 7;
const DOMAIN = 'chat.example';
const config = { endpoints: { chat: DOMAIN }, chat: { reconnect: { enable: false } }, videochat: { iceServers: [] }, debug: { mode: 0 } };

const captured = [];
function client(userId) {
  const cc = new ConnectyCube();
  cc.init({ appId: APP_ID, authKey: 'key' }, config);
  if (!cc.videochat) throw new Error('the SDK did not enable videochat; the fake browser environment is incomplete');
  cc.chat.xmppClient.jid = { toString: () => `${userId}-${APP_ID}@${DOMAIN}/sdk` };
  cc.chat.isConnected = true;
  cc.chat.xmppClient.sendOnline = (stanza) => { captured.push({ stanza, from: userId }); return Promise.resolve(); };
  return cc;
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
function take(name) {
  const items = captured.splice(0, captured.length);
  return items.map((item, i) => ({ name: items.length > 1 ? `${name}#${i + 1}` : name, stanza: item.stanza, from: item.from }));
}
// Delivers a captured stanza to another SDK instance through the SDK's own receive path.
function deliver(cc, item) {
  const stanza = ltx.parse(item.stanza.toString());
  stanza.attrs.from = `${item.from}-${APP_ID}@${DOMAIN}/sdk`;
  cc.chat.onSystemMessage(stanza);
}
const host = (c) => ({ candidate: `candidate:${c} 1 udp 2122260223 127.0.0.1 ${50000 + c} typ host generation 0 ufrag uf network-id 1`, sdpMid: '0', sdpMLineIndex: 0 });

(async () => {
  const out = [];
  const keep = (items) => { for (const i of items) out.push(i); return items; };

  // 1. Caller 1001 calls 1002 and 1003 with a nested userInfo and a bandwidth cap.
  const caller = client(1001);
  const callee2 = client(1002);
  const callee3 = client(1003);
  const session = caller.videochat.createNewSession([1002, 1003], 1, {});
  session.call({ maxBandwidth: 256, name: 'Bot <&> "One"', nested: { a: { b: 'c' }, n: 5, empty: '' } });
  await tick();
  const calls = keep(take('call'));
  for (const c of calls) if (c.stanza.attrs.to.startsWith('1002')) deliver(callee2, c); else deliver(callee3, c);
  await tick();

  // 2. Caller gathers candidates before any answer: queued.
  const pcTo1002 = session.peerConnections[1002].original;
  pcTo1002.emitCandidate(host(1));
  pcTo1002.emitCandidate({ candidate: 'candidate:2 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0 generation 0', sdpMid: '1', sdpMLineIndex: 1 });

  // 3. Callee 1003 accepts (empty userInfo): accept to 1001, and as the larger id it calls 1002 itself.
  const s3 = callee3.videochat.sessions[session.ID];
  s3.accept({});
  await tick();
  const acceptAndMesh = keep(take('accept-and-mesh-call'));
  // 1003 trickles after its answer: one stanza per candidate.
  s3.peerConnections[1001].original.emitCandidate(host(3));
  await tick();
  keep(take('callee-candidate'));

  // 4. Callee 1002 accepts with a userInfo; the caller applies the answer and sends its queued candidates as one batch.
  const s2 = callee2.videochat.sessions[session.ID];
  s2.accept({ maxBandwidth: 0, app: 'demo' });
  await tick();
  const accept2 = keep(take('accept-with-userinfo'));
  deliver(caller, accept2.find((a) => a.stanza.attrs.to.startsWith('1001')));
  await tick();
  keep(take('caller-candidates-batch'));

  // 5. ICE restart initiated by the offerer, answered by the callee.
  await session.iceRestart(1002);
  await tick();
  const restart = keep(take('iceRestart'));
  deliver(callee2, restart[0]);
  await tick();
  keep(take('iceRestartAccept'));

  // 6. Caller hangs up with a userInfo whose only key is maxBandwidth 0 (the SDK then sends an empty <userInfo/>).
  session.stop({ maxBandwidth: 0 });
  await tick();
  keep(take('hangUp'));

  // 7. A second call, rejected as busy by the callee (reject goes to every peer connection it holds).
  const session2 = caller.videochat.createNewSession([1002], 2, {});
  session2.call({});
  await tick();
  const call2 = keep(take('audio-call'));
  deliver(callee2, call2[0]);
  await tick();
  callee2.videochat.sessions[session2.ID].reject({ busy: true });
  await tick();
  keep(take('reject-busy'));
  session2.stop({});
  await tick();
  keep(take('hangUp-after-reject'));

  const result = out.map((item) => {
    const extraParams = item.stanza.getChild('extraParams');
    const parsed = caller.chat.getCallExtension(extraParams);
    return { name: item.name, from: `${item.from}-${APP_ID}@${DOMAIN}/sdk`, to: item.stanza.attrs.to, xml: item.stanza.toString(), parsed };
  });
  process.stdout.write(JSON.stringify(result, null, 1));
  process.exit(0);
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
