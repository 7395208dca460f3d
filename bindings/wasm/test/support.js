// Shared by the package tests: where the built package is, the repository's test vectors,
// and a local operator (the uid2-local-operator binary) started for a test.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const repo = path.resolve(__dirname, '..', '..', '..');
/** The built package (bindings/wasm/build.sh), or UID2_WASM_PKG. */
const packageDir = process.env.UID2_WASM_PKG
  ?? path.resolve(__dirname, '..', 'target', 'npm', 'uid2-rs-wasm');

/** The cases of a vector file under test-vectors/. */
function vectors(file) {
  const doc = JSON.parse(fs.readFileSync(path.join(repo, 'test-vectors', file), 'utf8'));
  if (doc.format_version !== 1) throw new Error(`${file}: unknown format_version`);
  return doc.cases;
}

/** `(file, case name) -> reason` of test-vectors/known-divergences.json. */
function knownDivergences() {
  const doc = JSON.parse(fs.readFileSync(path.join(repo, 'test-vectors', 'known-divergences.json'), 'utf8'));
  const known = new Map();
  for (const d of doc.divergences ?? []) known.set(`${d.file}/${d.name ?? d.case}`, d.reason);
  return known;
}

/**
 * Starts the local operator binary (UID2_LOCAL_OPERATOR, else target/debug/uid2-local-operator
 * of the repository) and resolves to `{ baseUrl, apiKey, secretKey, siteId, stop() }` once it
 * has printed its URL and credentials. `args` go to the binary (e.g. ['--opt-out', email]).
 */
function startLocalOperator(args = []) {
  const binary = process.env.UID2_LOCAL_OPERATOR
    ?? path.join(repo, 'target', 'debug', 'uid2-local-operator');
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: run cargo build -p uid2-local-operator`);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await stopped;
  };
  return new Promise((resolve, reject) => {
    const info = {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error('the local operator did not start within 20 s'));
    }, 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^UID2 local operator listening on (\S+)/.exec(line)
        ?? /^(api key|client secret|site id):\s+(\S+)/.exec(line);
      if (m === null) return;
      if (m.length === 2) info.baseUrl = m[1];
      else if (m[1] === 'api key') info.apiKey = m[2];
      else if (m[1] === 'client secret') info.secretKey = m[2];
      else info.siteId = Number(m[2]);
      if (info.baseUrl && info.apiKey && info.secretKey && info.siteId !== undefined) {
        clearTimeout(timer);
        resolve({ ...info, stop });
      }
    });
  });
}

module.exports = { repo, packageDir, vectors, knownDivergences, startLocalOperator };
