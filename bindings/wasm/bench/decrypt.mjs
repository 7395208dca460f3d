// v4 token decryption through the npm package in Node, against the native core in the same
// run (criterion's `decrypt/v4`, three builds), and the sizes of the WebAssembly modules.
//
//   bindings/wasm/build.sh && node bindings/wasm/bench/decrypt.mjs [--no-native]
//
// The Node figure is measured like criterion's: the same keys, a token of the same layout and
// length (v4, a 32-byte raw UID, bidstream checks), batches timed with process.hrtime, warm-up
// first, the median of the samples reported. Native builds: the core's default (pure-Rust
// AES-GCM, which uses AES-NI and CLMUL on x86-64 when the CPU has them), `--features aws-lc`,
// and the pure-Rust build with the portable AES and POLYVAL backends forced: the code that
// runs in WebAssembly, which has no AES instructions.
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const pkg = process.env.UID2_WASM_PKG ?? path.resolve(here, "..", "target", "npm", "uid2-rs-wasm");
const uid2 = createRequire(import.meta.url)(pkg);
const native = !process.argv.includes("--no-native");

// The fixtures of benches/support/mod.rs.
const NOW = 1_700_000_000_000;
const DAY_S = 86_400;
const RAW_UID = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
const key = (id, keyset, secret) => ({
  id, keyset_id: keyset, created: NOW / 1000 - DAY_S, activates: NOW / 1000 - DAY_S, expires: NOW / 1000 + DAY_S, secret,
});
const keys = uid2.KeySet.parse(JSON.stringify({
  body: {
    caller_site_id: 9000, master_keyset_id: 1, default_keyset_id: 99999,
    max_bidstream_lifetime_seconds: 259_200, token_expiry_seconds: 3600,
    keys: [key(164, 1, "iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs="), key(165, 99999, "IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=")],
    site_data: [{ id: 9000, domain_names: ["example.com"] }],
  },
  status: "success",
}));
const { token } = keys.encrypt(RAW_UID, { now: NOW });
const options = { client: "bidstream", now: NOW };
const check = keys.decrypt(token, options);
if (check.status !== "SUCCESS" || check.uid !== RAW_UID || check.advertisingTokenVersion !== 4) {
  throw new Error(`unexpected fixture: ${check.status}`);
}

/** Median and minimum ns per call of `f`, in samples of about 50 ms after 1 s of warm-up. */
function measure(f, samples = 30) {
  let sink;
  const warmEnd = process.hrtime.bigint() + 1_000_000_000n;
  let batch = 1;
  while (process.hrtime.bigint() < warmEnd) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = f();
    if (process.hrtime.bigint() - t < 50_000_000n) batch *= 2;
  }
  const perOp = [];
  for (let s = 0; s < samples; s++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink = f();
    perOp.push(Number(process.hrtime.bigint() - t) / batch);
  }
  if (sink === undefined) throw new Error("no result");
  perOp.sort((a, b) => a - b);
  return { median: perOp[Math.floor(samples / 2)], min: perOp[0], batch };
}

const results = [];
const report = (name, ns, note) => {
  results.push({ name, ns, note });
  console.log(`${name.padEnd(54)} ${ns.toFixed(0).padStart(6)} ns  ${note ?? ""}`);
};

console.log(`node ${process.version}, ${pkg}`);
const node = measure(() => keys.decrypt(token, options));
report("node: KeySet.decrypt (v4, bidstream)", node.median, `min ${node.min.toFixed(0)} ns, ${node.batch} calls per sample`);
const enc = measure(() => keys.encrypt(RAW_UID, { now: NOW }));
report("node: KeySet.encrypt (v4 sharing token)", enc.median, `min ${enc.min.toFixed(0)} ns`);

/** criterion's median for `decrypt/v4` in one build of the core. */
function criterion(label, args, env = {}) {
  const out = execFileSync("cargo", ["bench", "--locked", "-p", "uid2", ...args, "--bench", "decrypt", "--", "^decrypt/v4$", "--warm-up-time", "1", "--measurement-time", "5"], {
    cwd: repo, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
  });
  const m = /decrypt\/v4\s+time:\s+\[([\d.]+) (ns|µs|us) ([\d.]+) (ns|µs|us) ([\d.]+) (ns|µs|us)\]/.exec(out);
  if (m === null) throw new Error(`no criterion figure for ${label}:\n${out}`);
  const ns = Number(m[3]) * (m[4] === "ns" ? 1 : 1000);
  report(`native: ${label}`, ns, `Node / native = ${(node.median / ns).toFixed(2)}`);
}

if (native) {
  criterion("pure Rust, default (AES-NI/CLMUL detected)", []);
  criterion("aws-lc", ["--features", "aws-lc"]);
  criterion("pure Rust, portable AES/POLYVAL (as in wasm)", [], {
    RUSTFLAGS: '--cfg aes_backend="soft" --cfg polyval_backend="soft"',
    CARGO_TARGET_DIR: path.join(repo, "target", "bench-soft"),
  });
}

const sizes = [
  ["npm package module (everything)", path.join(pkg, "wasm", "uid2_wasm_bg.wasm")],
  ["key sets and tokens only (--no-default-features)", path.resolve(here, "..", "target", "tokens-only", "npm", "uid2_wasm_bg.wasm")],
];
for (const [name, file] of sizes) {
  if (!existsSync(file)) {
    console.log(`${name}: not built (run .ci/wasm)`);
    continue;
  }
  const bytes = readFileSync(file);
  console.log(`${name.padEnd(54)} ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
}
keys.free();
