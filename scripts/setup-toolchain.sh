#!/usr/bin/env bash
# Makes this machine able to build the wasm module, and says how.
#
#   scripts/setup-toolchain.sh          ensure the toolchain, print a summary
#   scripts/setup-toolchain.sh --env    ensure it, then print `export` lines for build-wasm.sh
#
# Order of preference (idempotent; seconds when everything is already there):
#   1. a Rust toolchain on PATH (rustup or not) that already has the wasm32-unknown-unknown std;
#   2. Debian's /usr/bin/rustc if it already has it (prepared by an earlier run of this script);
#   3. `rustup target add wasm32-unknown-unknown` (developer laptops);
#   4. Debian's rustc-web packages, with the wasm32 std built once from the shipped library
#      sources (../shared/TOOLCHAIN.md: the rustup servers are unreachable on these machines).
# Then the wasm-bindgen CLI, pinned to the exact version of the wasm-bindgen crate in
# Cargo.lock, is installed from crates.io when missing. wasm-pack is not used: it wants to
# download binaries, and all it would do here is `cargo build` + `wasm-bindgen`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
want_env=0
[ "${1:-}" = "--env" ] && want_env=1
log() { echo "[toolchain] $*" >&2; }

target=wasm32-unknown-unknown

has_wasm_std() { # $1: a rustc
  local dir
  dir=$("$1" --print target-libdir --target "$target" 2>/dev/null) || return 1
  compgen -G "$dir/libcore-*.rlib" >/dev/null
}

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

build_debian_wasm_std() {
  local libdir work
  libdir=$(/usr/bin/rustc --print sysroot)/lib/rustlib/$target/lib
  work=$(mktemp -d)
  log "building the $target standard library from Debian's rust-web-src (about 30 s, once)"
  mkdir -p "$work/src" "$work/.cargo"
  cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "stdbuild"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
  echo 'pub fn keep() {}' >"$work/src/lib.rs"
  cat >"$work/.cargo/config.toml" <<'TOML'
[source.crates-io]
replace-with = "rust-library-vendor"
[source.rust-library-vendor]
directory = "/usr/lib/rustlib/src/rust/library/vendor"
TOML
  (cd "$work" && env -u RUSTFLAGS PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    /usr/bin/cargo build --release --offline --target "$target" -Z build-std=std,panic_abort >&2)
  sudo_if_needed mkdir -p "$libdir"
  for f in "$work/target/$target/release/deps"/lib*.rlib; do
    case "$(basename "$f")" in libstdbuild-*) ;; *) sudo_if_needed cp "$f" "$libdir/" ;; esac
  done
  rm -rf "$work"
}

choose_rust() {
  local rustc
  rustc=$(command -v rustc || true)
  # MB_TOOLCHAIN=debian skips rustup: the path a new Debian machine without the target takes
  [ "${MB_TOOLCHAIN:-}" = debian ] && rustc=
  if [ -n "$rustc" ] && has_wasm_std "$rustc"; then
    CARGO_BIN=$(command -v cargo); RUSTC_BIN=$rustc; return
  fi
  if [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && has_wasm_std /usr/bin/rustc; then
    CARGO_BIN=/usr/bin/cargo; RUSTC_BIN=/usr/bin/rustc; return
  fi
  if [ "${MB_TOOLCHAIN:-}" != debian ] && command -v rustup >/dev/null 2>&1 && timeout 60 rustup target add "$target" >&2 2>&1 \
     && has_wasm_std "$(command -v rustc)"; then
    CARGO_BIN=$(command -v cargo); RUSTC_BIN=$(command -v rustc); return
  fi
  log "no Rust toolchain with the $target target: installing Debian's rustc-web"
  if ! [ -d /usr/lib/rustlib/src/rust/library/vendor ] || ! [ -x /usr/bin/rust-lld ]; then
    sudo_if_needed apt-get update -qq >&2
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >&2
  fi
  build_debian_wasm_std
  has_wasm_std /usr/bin/rustc || { log "the $target std is still missing after building it"; exit 1; }
  CARGO_BIN=/usr/bin/cargo; RUSTC_BIN=/usr/bin/rustc
}

ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")
  [ -n "$want" ] || { log "Cargo.lock pins no wasm-bindgen"; exit 1; }
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    log "installing wasm-bindgen-cli $want from crates.io (a few minutes, once; found '${have:-none}')"
    # a host cargo builds the CLI (rustup's if there is one); it lands in ~/.cargo/bin
    local host_cargo
    host_cargo=$(command -v cargo || echo "$CARGO_BIN")
    # --locked first; the registry may lack a version that the CLI's own lock names (seen here:
    # webpki-roots 1.0.11), and then the newest compatible versions are taken instead.
    "$host_cargo" install wasm-bindgen-cli --version "=$want" --locked --force >&2 \
      || "$host_cargo" install wasm-bindgen-cli --version "=$want" --force >&2
  fi
  WASM_BINDGEN_BIN=$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")
  "$WASM_BINDGEN_BIN" --version >/dev/null
}

export PATH="$HOME/.cargo/bin:$PATH"
choose_rust
ensure_wasm_bindgen

if [ "$want_env" = 1 ]; then
  echo "export MB_CARGO='$CARGO_BIN' MB_RUSTC='$RUSTC_BIN' MB_WASM_BINDGEN='$WASM_BINDGEN_BIN'"
else
  log "cargo for $target: $CARGO_BIN ($("$RUSTC_BIN" --version))"
  log "wasm-bindgen: $WASM_BINDGEN_BIN ($("$WASM_BINDGEN_BIN" --version))"
fi
