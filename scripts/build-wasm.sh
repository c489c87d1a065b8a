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
# MB_WASM_FEATURES: cargo features of the one-thread module, e.g. "probe" for bench/kernels.ts
RUSTC="$MB_RUSTC" RUSTFLAGS="-C target-feature=+simd128" \
  "$MB_CARGO" build --release --target wasm32-unknown-unknown -p minibatch-wasm --quiet \
  ${MB_WASM_FEATURES:+--features "$MB_WASM_FEATURES"}
"$MB_WASM_BINDGEN" --target web --omit-default-module-path --out-dir "$out" --out-name minibatch_wasm --weak-refs "$wasm"
echo "[build-wasm] $out/minibatch_wasm_bg.wasm: $(wc -c <"$out/minibatch_wasm_bg.wasm") bytes" >&2

# The same crate for threads: shared, imported memory (up to 4 GiB), atomics, and the TLS
# exports wasm-bindgen needs to give each worker its own stack; built against the std with
# atomics (setup-toolchain.sh) in a target directory of its own. RUSTC_BOOTSTRAP allows the
# unstable wasm wait/notify intrinsics (team.rs) on a stable compiler.
rm -f "$out"/minibatch_wasm_threads*
if [ -n "${MB_THREADS_SYSROOT:-}" ]; then
  link=""
  for arg in --shared-memory --max-memory=4294967296 --import-memory --export=__wasm_init_tls \
    --export=__tls_size --export=__tls_align --export=__tls_base; do
    link="$link -C link-arg=$arg"
  done
  RUSTC="$MB_THREADS_RUSTC" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=target/threads \
    RUSTFLAGS="--sysroot $MB_THREADS_SYSROOT -C target-feature=$MB_THREAD_FEATURES$link" \
    "$MB_THREADS_CARGO" build --release --target wasm32-unknown-unknown -p minibatch-wasm --quiet
  "$MB_WASM_BINDGEN" --target web --omit-default-module-path --out-dir "$out" --out-name minibatch_wasm_threads --weak-refs \
    target/threads/wasm32-unknown-unknown/release/minibatch_wasm.wasm
  echo "[build-wasm] $out/minibatch_wasm_threads_bg.wasm: $(wc -c <"$out/minibatch_wasm_threads_bg.wasm") bytes" >&2
else
  echo "[build-wasm] no std with atomics: built without the module with threads" >&2
fi
