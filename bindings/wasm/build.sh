#!/usr/bin/env bash
# Builds the npm package uid2-rs-wasm into bindings/wasm/target/npm/uid2-rs-wasm.
#
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the version of the
# wasm-bindgen crate in Cargo.lock (`cargo install wasm-bindgen-cli --version X`).
# Options: --no-simd builds without WebAssembly SIMD128 (base64 then uses portable code).
set -euo pipefail
cd "$(dirname "$0")"

simd=1
for arg in "$@"; do
    case "$arg" in
        --no-simd) simd=0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

locked=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p}' Cargo.lock)
installed=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$installed" != "$locked" ]; then
    echo "wasm-bindgen $locked is needed (found: ${installed:-none});" \
        "run: cargo install wasm-bindgen-cli --version $locked" >&2
    exit 1
fi

flags=""
if [ "$simd" = 1 ]; then flags="-C target-feature=+simd128"; fi
RUSTFLAGS="$flags" cargo build --locked --release --target wasm32-unknown-unknown

out=target/npm/uid2-rs-wasm
rm -rf "$out"
mkdir -p "$out/wasm"
wasm-bindgen --target nodejs --no-typescript --out-dir "$out/wasm" --out-name uid2_wasm \
    target/wasm32-unknown-unknown/release/uid2_wasm.wasm
cp js/index.js js/index.mjs js/index.d.ts js/client.js js/client.mjs js/client.d.ts README.md "$out/"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
node -e '
const fs = require("fs");
const [file, version] = process.argv.slice(1);
const pkg = JSON.parse(fs.readFileSync("js/package.json", "utf8"));
pkg.version = version;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$out/package.json" "$version"
echo "built $out ($(wc -c < "$out/wasm/uid2_wasm_bg.wasm") bytes of WebAssembly)"
