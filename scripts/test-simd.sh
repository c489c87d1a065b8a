#!/usr/bin/env bash
# Runs the kernels' property tests (crates/minibatch-core/tests/kernel_properties.rs, and the
# dense-layer products and activations in tests/dense_properties.rs, activation_properties.rs) on the
# SIMD128 lane type: built for wasm32 with +simd128 and run in Node. `cargo test` runs the same
# tests natively, on the portable lane type; both compare every kernel with the same scalar
# references, so together they check that the SIMD and portable paths give the same bits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(bash scripts/setup-toolchain.sh --env)"
# proptest's random generator is never asked for OS entropy here (a fixed seed), so getrandom
# may be built without a wasm32 backend; a target directory of its own keeps these flags apart
RUSTC="$MB_RUSTC" CARGO_TARGET_DIR=target/simd-tests \
  RUSTFLAGS='-C target-feature=+simd128 --cfg getrandom_backend="unsupported"' \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="node $root/scripts/wasm-test-runner.mjs" \
  "$MB_CARGO" test --quiet --target wasm32-unknown-unknown -p minibatch-core --test kernel_properties --test dense_properties --test activation_properties
