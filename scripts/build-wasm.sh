#!/usr/bin/env bash
# Builds crates/minibatch-wasm for wasm32 with SIMD128 and generates the JavaScript glue into
# ts/wasm/ (not committed). Installs the toolchain first when the machine lacks it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
toolchain_env=$(bash scripts/setup-toolchain.sh --env) # fails the build when the setup fails
eval "$toolchain_env"

out=ts/wasm
wasm=target/wasm32-unknown-unknown/release/minibatch_wasm.wasm
# RUSTC points cargo at the rustc that has the wasm32 std (rustup's ~/.cargo/bin may come first
# on PATH while Debian's /usr/bin/rustc is the one prepared for wasm32).
RUSTC="$MB_RUSTC" RUSTFLAGS="-C target-feature=+simd128" \
  "$MB_CARGO" build --release --target wasm32-unknown-unknown -p minibatch-wasm --quiet
"$MB_WASM_BINDGEN" --target web --out-dir "$out" --out-name minibatch_wasm --weak-refs "$wasm"
echo "[build-wasm] $out/minibatch_wasm_bg.wasm: $(wc -c <"$out/minibatch_wasm_bg.wasm") bytes" >&2
