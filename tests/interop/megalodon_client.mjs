// megalodon (npm), a Mastodon client for Node, driven by test_megalodon.py against a
// running Shutter: registers an app, prints the authorization URL, reads the code the
// test got by consenting on stdin, then reads the home timeline and streams the user's
// events over WebSocket. Every step prints one JSON line on stdout.
import readline from "node:readline";

import generator from "megalodon";

const [baseUrl] = process.argv.slice(2);
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const anonymous = generator("mastodon", baseUrl);
const app = await anonymous.registerApp("Megalodon interop", {
  scopes: ["read", "write", "follow"],
});
say({ authorize_url: app.url });
const code = (await lines.next()).value.trim();
const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, app.redirect_uri);
const client = generator("mastodon", baseUrl, token.access_token);

const me = await client.verifyAccountCredentials();
say({ username: me.data.username });
const home = await client.getHomeTimeline({ limit: 40 });
say({ home: home.data.map((status) => ({ id: status.id, content: status.content })) });

const stream = await client.userStreaming();
const stop = (status) => {
  stream.stop();
  process.exit(status);
};
stream.on("connect", () => say({ connected: true }));
stream.on("update", (status) => {
  say({ update: status.id, content: status.content });
  stop(0);
});
stream.on("error", (error) => say({ error: String(error) }));
setTimeout(() => {
  say({ error: "no update within 60 s" });
  stop(1);
}, 60_000);
