// Drives the REAL ConnectyCube SDK's REST code (npm "connectycube", pinned in package.json) against a local HTTP recorder
// for the golden tests in tests/CallBot.Worker.Tests/Cloud: CallBot must send what these calls send.
// Usage: node golden-rest.cjs http://127.0.0.1:PORT   (the recorder; nothing else is contacted)
// Steps, in order: application session, user create (signup), login, user session, push event of a call, user delete.
'use strict';

console.log = (...args) => process.stderr.write(args.map(String).join(' ') + '\n'); // the SDK traces to console.log

const sdk = require('./node_modules/connectycube/dist/node/index.cjs');
const ConnectyCube = (sdk.default || sdk).ConnectyCube;

const [apiUrl] = process.argv.slice(2);
if (!apiUrl) throw new Error('usage: node golden-rest.cjs http://127.0.0.1:PORT');
const credentials = { appId: 7, authKey: 'golden-auth-key' };
const config = { endpoints: { api_url: apiUrl }, chat: { reconnect: { enable: false } }, debug: { mode: 0 } };
const user = { login: 'golden-bot-1', password: 'golden-pass-1' };

// The call-push recipe of the ConnectyCube guides: what the caller's app sends with its `call` to wake the callees.
const callPush = {
  message: 'Incoming call from 1001',
  ios_voip: 1,
  handle: '1001',
  initiatorId: 1001,
  opponentsIds: '1002,1003',
  uuid: 'golden-session-id',
  callType: 'video',
};

async function main() {
  const app = new ConnectyCube();
  app.init(credentials, config);
  await app.createSession(); // 1. POST /session.json (application session)
  await app.users.signup(user); // 2. POST /users.json
  await app.login(user); // 3. POST /login.json

  const bot = new ConnectyCube();
  bot.init(credentials, config);
  await bot.createSession(user); // 4. POST /session.json (user session)
  await bot.pushnotifications.events.create({ // 5. POST /events.json
    notification_type: 'push',
    user: { ids: '1002,1003' },
    environment: 'production',
    message: bot.pushnotifications.base64Encode(JSON.stringify(callPush)),
  });
  await bot.users.delete(); // 6. DELETE /users/{id}.json
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`golden-rest failed: ${JSON.stringify(error)} ${error && error.stack ? error.stack : ''}\n`);
    process.exit(1);
  },
);
