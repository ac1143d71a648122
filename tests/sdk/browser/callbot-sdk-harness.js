// Test-page side of CallBot.TestSupport.ConnectyCube: drives the REAL ConnectyCube SDK browser bundle
// (window.ConnectyCube, loaded from node_modules/connectycube/dist/connectycube.min.js) for one user per tab.
// C# calls window.cbHarness.* through Playwright; every SDK listener call becomes an event that is kept in
// cbHarness.events and pushed to C# through the exposed binding window.__cbHarnessEvent (when present).
// Every XMPP frame the SDK writes or reads is kept in cbHarness.stanzas (SDK hooks config.on.xmppDataWrite/Read).
'use strict';

(function () {
  const now = () => performance.timeOrigin + performance.now();

  const harness = {
    userId: 0,
    events: [],
    stanzas: [],
    sessions: {},
    lastSessionId: null,
    remoteElements: {},
  };

  function sessionInfo(session) {
    if (!session) return null;
    return {
      id: session.ID,
      initiatorId: session.initiatorID,
      opponentsIds: session.opponentsIDs,
      callType: session.callType,
      state: session.state,
    };
  }

  function plain(value) {
    try {
      return JSON.parse(JSON.stringify(value ?? null));
    } catch (e) {
      return String(value);
    }
  }

  function record(name, session, userId, data) {
    const event = {
      seq: harness.events.length,
      name,
      t: now(),
      sessionId: session ? session.ID : null,
      userId: userId ?? null,
      session: sessionInfo(session),
      data: plain(data),
    };
    harness.events.push(event);
    if (typeof window.__cbHarnessEvent === 'function') {
      window.__cbHarnessEvent(JSON.stringify(event)).catch(() => {});
    }
    return event;
  }

  function remember(session) {
    harness.sessions[session.ID] = session;
    harness.lastSessionId = session.ID;
    return session;
  }

  function sessionOf(sessionId) {
    const id = sessionId || harness.lastSessionId;
    const session = id ? harness.sessions[id] : null;
    if (!session) throw new Error(`no session ${id}`);
    return session;
  }

  function mediaConstraints(callType) {
    const video = callType === 1 ? (harness.videoConstraints || true) : false;
    return { audio: true, video };
  }

  // Plays the remote stream (so the video is decoded and rendered) and records the first rendered frame.
  function attachRemote(session, userId, stream) {
    const key = `${session.ID}:${userId}`;
    let element = harness.remoteElements[key];
    if (!element) {
      element = document.createElement(stream.getVideoTracks().length ? 'video' : 'audio');
      element.id = `remote-${userId}-${Object.keys(harness.remoteElements).length}`;
      element.autoplay = true;
      element.muted = true;
      element.playsInline = true;
      document.body.appendChild(element);
      harness.remoteElements[key] = element;
    }
    element.srcObject = stream;
    element.play().catch(() => {});
    if (typeof element.requestVideoFrameCallback === 'function') {
      element.requestVideoFrameCallback((_now, meta) => {
        record('first-frame', session, userId, { width: meta.width, height: meta.height });
      });
    }
  }

  // Keeps every XMPP frame; a call signal also becomes a 'signal-sent' / 'signal-received' event (data: signalType, index).
  function keepStanza(dir, data) {
    const xml = String(data.body);
    harness.stanzas.push({ dir, t: now(), xml });
    if (xml.includes('<moduleIdentifier>WebRTCVideoChat</moduleIdentifier>')) {
      const match = /<signalType>([^<]*)<\/signalType>/.exec(xml);
      const session = /<sessionID>([^<]*)<\/sessionID>/.exec(xml);
      record(dir === 'out' ? 'signal-sent' : 'signal-received', null, null, {
        signalType: match ? match[1] : null,
        sessionId: session ? session[1] : null,
        index: harness.stanzas.length - 1,
      });
    }
  }

  function installListeners(videochat) {
    videochat.onCallListener = (session, userInfo) => {
      remember(session);
      record('call', session, session.initiatorID, { userInfo, callType: session.callType, opponentsIds: session.opponentsIDs });
    };
    videochat.onAcceptCallListener = (session, userId, userInfo) => record('accept', session, userId, { userInfo });
    videochat.onRejectCallListener = (session, userId, userInfo) => record('reject', session, userId, { userInfo });
    videochat.onStopCallListener = (session, userId, userInfo) => record('stop', session, userId, { userInfo });
    videochat.onInvalidEventsListener = (session, userId, userInfo) => record('invalid', session, userId, { userInfo });
    videochat.onUserNotAnswerListener = (session, userId) => record('not-answer', session, userId, {});
    videochat.onRemoteStreamListener = (session, userId, stream) => {
      record('remote-stream', session, userId, {
        audioTracks: stream.getAudioTracks().length,
        videoTracks: stream.getVideoTracks().length,
      });
      attachRemote(session, userId, stream);
    };
    videochat.onSessionConnectionStateChangedListener = (session, userId, state) =>
      record('connection-state', session, userId, { state });
    videochat.onSessionCloseListener = (session) => record('close', session, null, { state: session.state });
  }

  // options: { appId, authKey, chatHost, chatUrl, videochat: {...}, debug, videoConstraints }
  harness.init = function (options) {
    harness.videoConstraints = options.videoConstraints || null;
    ConnectyCube.init(
      { appId: options.appId, authKey: options.authKey },
      {
        endpoints: { chat: options.chatHost, chat_url: options.chatUrl },
        chat: { reconnect: { enable: false }, streamManagement: { enable: false } },
        videochat: Object.assign({ iceServers: [] }, options.videochat || {}),
        debug: { mode: options.debug ? 1 : 0 },
        on: {
          xmppDataWrite: (_size, data) => keepStanza('out', data),
          xmppDataRead: (_size, data) => keepStanza('in', data),
        },
      }
    );
    if (!ConnectyCube.videochat) throw new Error('ConnectyCube.videochat is missing: WebRTC not detected');
    installListeners(ConnectyCube.videochat);
    return true;
  };

  harness.login = async function (userId, password) {
    const started = now();
    await ConnectyCube.chat.connect({ userId, password });
    harness.userId = userId;
    return now() - started;
  };

  harness.call = async function (opponents, callType, userInfo) {
    const session = remember(ConnectyCube.videochat.createNewSession(opponents, callType, {}));
    await session.getUserMedia(mediaConstraints(callType));
    record('dial', session, harness.userId, { opponents, callType, userInfo: userInfo || {} });
    session.call(userInfo || {});
    return session.ID;
  };

  harness.accept = async function (sessionId, userInfo) {
    const session = sessionOf(sessionId);
    await session.getUserMedia(mediaConstraints(session.callType));
    session.accept(userInfo || {});
    return session.ID;
  };

  harness.reject = function (sessionId, userInfo) {
    const session = sessionOf(sessionId);
    session.reject(userInfo || {});
    return session.ID;
  };

  harness.stop = function (sessionId, userInfo) {
    const session = sessionOf(sessionId);
    session.stop(userInfo || {});
    return session.ID;
  };

  harness.iceRestart = async function (sessionId, userId) {
    const session = sessionOf(sessionId);
    if (!session.canInitiateIceRestart(userId)) return false;
    await ConnectyCube.chat.pingWithTimeout();
    await session.iceRestart(userId);
    return true;
  };

  harness.mute = function (sessionId, kind, muted) {
    const session = sessionOf(sessionId);
    if (muted) session.mute(kind);
    else session.unmute(kind);
    return true;
  };

  harness.setMaxBandwidth = async function (sessionId, kbps) {
    await sessionOf(sessionId).setMaxBandwidth(kbps);
    return true;
  };

  harness.sessionState = function (sessionId) {
    const session = sessionOf(sessionId);
    const peers = {};
    Object.keys(session.peerConnections).forEach((id) => {
      const pc = session.peerConnections[id];
      peers[id] = {
        type: pc.type,
        state: pc.state,
        released: pc.released,
        iceConnectionState: pc.iceConnectionState,
        signalingState: pc.signalingState,
        videoMaxBitrates: pc
          .getSenders()
          .filter((sender) => sender.track && sender.track.kind === 'video')
          .map((sender) => (sender.getParameters().encodings || []).map((e) => e.maxBitrate ?? 0)),
      };
    });
    const localTracks = (session.localStream ? session.localStream.getTracks() : []).map((t) => ({
      kind: t.kind,
      enabled: t.enabled,
      readyState: t.readyState,
    }));
    return Object.assign(sessionInfo(session), { maxBandwidth: session.maxBandwidth, peers, localTracks });
  };

  // A digest of RTCPeerConnection.getStats() of the SDK's peer connection to userId.
  harness.stats = async function (sessionId, userId) {
    const session = sessionOf(sessionId);
    const pc = session.peerConnections[userId];
    if (!pc) throw new Error(`session ${session.ID} has no peer connection to ${userId}`);
    const report = await pc.getStats();
    const byId = {};
    report.forEach((s) => (byId[s.id] = s));
    const digest = {
      iceConnectionState: pc.iceConnectionState,
      inbound: {},
      outbound: {},
      selectedPair: null,
    };
    let pair = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        digest.inbound[s.kind] = {
          ssrc: s.ssrc,
          packetsReceived: s.packetsReceived ?? 0,
          bytesReceived: s.bytesReceived ?? 0,
          packetsLost: s.packetsLost ?? 0,
          jitter: s.jitter ?? 0,
          framesDecoded: s.framesDecoded ?? 0,
          freezeCount: s.freezeCount ?? 0,
          totalFreezesDuration: s.totalFreezesDuration ?? 0,
          framesReceived: s.framesReceived ?? 0,
          framesDropped: s.framesDropped ?? 0,
          keyFramesDecoded: s.keyFramesDecoded ?? 0,
          pliCount: s.pliCount ?? 0,
          nackCount: s.nackCount ?? 0,
          retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? 0,
          fecPacketsReceived: s.fecPacketsReceived ?? 0,
          frameWidth: s.frameWidth ?? 0,
          frameHeight: s.frameHeight ?? 0,
          codec: byId[s.codecId]?.mimeType ?? null,
        };
      } else if (s.type === 'outbound-rtp') {
        digest.outbound[s.kind] = {
          ssrc: s.ssrc,
          packetsSent: s.packetsSent ?? 0,
          bytesSent: s.bytesSent ?? 0,
          framesEncoded: s.framesEncoded ?? 0,
          framesSent: s.framesSent ?? 0,
          retransmittedPacketsSent: s.retransmittedPacketsSent ?? 0,
          pliCount: s.pliCount ?? 0,
          targetBitrate: s.targetBitrate ?? 0,
          codec: byId[s.codecId]?.mimeType ?? null,
        };
      } else if (s.type === 'transport' && s.selectedCandidatePairId) {
        pair = byId[s.selectedCandidatePairId] || pair;
      }
    });
    if (!pair) {
      report.forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
      });
    }
    if (pair) {
      const local = byId[pair.localCandidateId] || {};
      const remote = byId[pair.remoteCandidateId] || {};
      digest.selectedPair = {
        state: pair.state,
        localType: local.candidateType ?? null,
        localAddress: local.address ?? null,
        localPort: local.port ?? 0,
        remoteType: remote.candidateType ?? null,
        remoteAddress: remote.address ?? null,
        remotePort: remote.port ?? 0,
        protocol: local.protocol ?? null,
        currentRoundTripTime: pair.currentRoundTripTime ?? null,
        availableOutgoingBitrate: pair.availableOutgoingBitrate ?? null,
      };
    }
    return digest;
  };

  // Resolves when, compared with the stats at the time of the call, at least minVideoFrames more video frames were
  // decoded and minAudioBytes more audio bytes were received; rejects with the last digest after timeoutMs.
  harness.waitForMediaFlow = async function (sessionId, userId, minVideoFrames, minAudioBytes, timeoutMs) {
    const first = await harness.stats(sessionId, userId);
    const baseFrames = first.inbound.video?.framesDecoded ?? 0;
    const baseAudio = first.inbound.audio?.bytesReceived ?? 0;
    const deadline = now() + timeoutMs;
    let last = first;
    for (;;) {
      const frames = (last.inbound.video?.framesDecoded ?? 0) - baseFrames;
      const audio = (last.inbound.audio?.bytesReceived ?? 0) - baseAudio;
      if (frames >= minVideoFrames && audio >= minAudioBytes) return { before: first, after: last };
      if (now() > deadline) {
        throw new Error(`media not flowing from ${userId}: +${frames} video frames, +${audio} audio bytes; last ${JSON.stringify(last)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await harness.stats(sessionId, userId);
    }
  };

  // Candidate routing for impaired-link benchmarks: every UDP candidate this page hands its peer (trickled, or in
  // the local description the SDK sends) names 127.0.0.1:outgoingPort, and every candidate it receives names
  // 127.0.0.1:incomingPort — the two ports of a UdpImpairmentRelay — so STUN, DTLS and SRTP all cross the relay.
  // Non-UDP candidates are withheld. Patched on the prototype because the SDK keeps its own reference to the class.
  const route = { incoming: 0, outgoing: 0 };

  function rewriteCandidate(candidate, port) {
    // candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE ... (RFC 8839 §5.1)
    const prefix = candidate.startsWith('a=') ? 'a=' : '';
    const fields = candidate.slice(prefix.length).split(' ');
    if (fields.length < 8 || fields[2].toLowerCase() !== 'udp') return null;
    fields[4] = '127.0.0.1';
    fields[5] = String(port);
    return prefix + fields.join(' ');
  }

  function rewriteSdp(sdp, port) {
    return sdp
      .split('\r\n')
      .map((line) => (line.startsWith('a=candidate:') ? rewriteCandidate(line, port) : line))
      .filter((line) => line !== null)
      .join('\r\n');
  }

  (function patchPeerConnection() {
    const proto = window.RTCPeerConnection && window.RTCPeerConnection.prototype;
    if (!proto) return;
    const addIceCandidate = proto.addIceCandidate;
    proto.addIceCandidate = function (candidate, ...rest) {
      if (route.incoming && candidate && candidate.candidate) {
        const rewritten = rewriteCandidate(candidate.candidate, route.incoming);
        if (rewritten === null) return Promise.resolve();
        candidate = { candidate: rewritten, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
      }
      return addIceCandidate.call(this, candidate, ...rest);
    };
    const setRemoteDescription = proto.setRemoteDescription;
    proto.setRemoteDescription = function (description, ...rest) {
      if (route.incoming && description && description.sdp) {
        description = { type: description.type, sdp: rewriteSdp(description.sdp, route.incoming) };
      }
      return setRemoteDescription.call(this, description, ...rest);
    };
    const localDescription = Object.getOwnPropertyDescriptor(proto, 'localDescription');
    Object.defineProperty(proto, 'localDescription', {
      configurable: true,
      get() {
        const description = localDescription.get.call(this);
        if (!route.outgoing || !description) return description;
        return { type: description.type, sdp: rewriteSdp(description.sdp, route.outgoing) };
      },
    });
    const wrapped = new WeakMap();
    const addEventListener = proto.addEventListener;
    proto.addEventListener = function (type, listener, ...rest) {
      if (type !== 'icecandidate' || typeof listener !== 'function') return addEventListener.call(this, type, listener, ...rest);
      const wrapper = (event) => {
        if (!route.outgoing || !event.candidate) return listener.call(this, event);
        const rewritten = rewriteCandidate(event.candidate.candidate, route.outgoing);
        if (rewritten === null) return undefined;
        const c = event.candidate;
        return listener.call(this, { type: event.type, candidate: { candidate: rewritten, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } });
      };
      wrapped.set(listener, wrapper);
      return addEventListener.call(this, type, wrapper, ...rest);
    };
    const removeEventListener = proto.removeEventListener;
    proto.removeEventListener = function (type, listener, ...rest) {
      return removeEventListener.call(this, type, (type === 'icecandidate' && wrapped.get(listener)) || listener, ...rest);
    };
  })();

  // Routes the candidates of calls set up from now on through the relay (0, 0 = direct again).
  harness.routeCandidates = function (incomingPort, outgoingPort) {
    route.incoming = incomingPort;
    route.outgoing = outgoingPort;
    return true;
  };

  harness.disconnect = async function () {
    Object.values(harness.sessions).forEach((s) => {
      try {
        if (s.state === 1 || s.state === 2) s.stop({}); // NEW or ACTIVE
      } catch (e) {
        console.warn('stop failed', e);
      }
    });
    try {
      await ConnectyCube.chat.disconnect();
    } catch (e) {
      console.warn('disconnect failed', e);
    }
    return true;
  };

  window.addEventListener('error', (e) => record('page-error', null, null, { message: String(e.message) }));
  window.cbHarness = harness;
})();
