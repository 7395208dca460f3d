// Runs a wasm32-wasip1 program under Node's built-in WASI (node:wasi), for cargo:
//
//   CARGO_TARGET_WASM32_WASIP1_RUNNER="node .ci/wasi-runner.mjs" cargo test --target wasm32-wasip1 ...
//
// The repository directory is preopened at its own absolute path, so tests that read
// `env!("CARGO_MANIFEST_DIR")/test-vectors` find their files; nothing else of the host file
// system is visible. Only UID2_*, PROPTEST_* and RUST_* variables and the CGI request
// variables (QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH; the edge example reads
// them) reach the program, which gets this process's standard input and output. The process
// exits with the program's exit code.

import { readFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";

const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error("usage: node .ci/wasi-runner.mjs <program.wasm> [args...]");
  process.exit(2);
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) =>
    /^(UID2_|PROPTEST_|RUST_)/.test(name)
    || ["QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH"].includes(name)),
);

const wasi = new WASI({
  version: "preview1",
  args: [path.basename(wasmPath), ...args],
  env,
  preopens: { [repo]: repo },
  returnOnExit: true,
});

const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
