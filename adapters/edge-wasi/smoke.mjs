// Runs the wasm32-wasip1 build of uid2-edge-wasi under Node's WASI (.ci/wasi-runner.mjs) as a
// CGI host would, with a key set and a token made at the current time by the npm package:
//
//   node adapters/edge-wasi/smoke.mjs <uid2-edge-wasi.wasm> <uid2-rs-wasm package dir>
//
// Prints one line per request and exits non-zero when a response is not the expected one.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [wasm, pkg] = process.argv.slice(2);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const uid2 = createRequire(import.meta.url)(path.resolve(pkg));

const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
const document = JSON.stringify({
  body: {
    caller_site_id: 9000, master_keyset_id: 1, default_keyset_id: 99999, identity_scope: "UID2",
    keys: [
      { id: 1, keyset_id: 1, created: 1600000000, activates: 1600000000, expires: 4000000000, secret: secret() },
      { id: 2, keyset_id: 99999, created: 1600000000, activates: 1600000000, expires: 4000000000, secret: secret() },
    ],
  },
  status: "success",
});
const dir = path.join(repo, "target", "edge-wasi-smoke");
mkdirSync(dir, { recursive: true });
const keysFile = path.join(dir, "keys.json");
writeFileSync(keysFile, document);

const rawUid = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
const keys = uid2.KeySet.parse(document);
const { token } = keys.encrypt(rawUid, { now: Date.now() });
keys.free();

function request(query, body, keysPath) {
  const env = { PATH: process.env.PATH, QUERY_STRING: query, REQUEST_METHOD: "POST" };
  if (keysPath) env.UID2_KEYS_FILE = keysPath;
  return execFileSync(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(repo, ".ci", "wasi-runner.mjs"), wasm], { env, input: body, encoding: "utf8" });
}

const cases = [
  ["token in the query", `token=${encodeURIComponent(token)}&domain=example.com`, "", keysFile, `Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n${rawUid}`],
  ["token in the body", "", `${token}\n`, keysFile, `\r\n\r\n${rawUid}`],
  ["a damaged token", `token=${token.slice(0, -8)}`, "", keysFile, "Status: 422 Unprocessable Content\r\n"],
  ["no key set", `token=${token}`, "", null, "\r\n\r\nNOT_INITIALIZED"],
];
let failed = 0;
for (const [name, query, body, keysPath, expected] of cases) {
  const out = request(query, body, keysPath);
  const ok = expected.startsWith("Status:") ? out.startsWith(expected) : out.endsWith(expected);
  if (!ok) failed += 1;
  console.log(`${ok ? "ok" : "FAILED"}: ${name}: ${out.split("\r\n")[0]}`);
}
console.log(`edge-wasi: ${cases.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
