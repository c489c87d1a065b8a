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
# Also, when the chosen rustc has its library sources (Debian's rust-web-src, or rustup's
# rust-src), a second wasm32 std built with atomics and bulk memory, for the module with
# threads (std is shipped without them; ~30 s once per machine, cached in ~/.cache/minibatch).
# Without sources the threaded module is skipped: `threads` then falls back to one thread.
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

THREAD_FEATURES="+atomics,+bulk-memory,+mutable-globals,+simd128"

# Sets THREADS_RUSTC/THREADS_CARGO/THREADS_SYSROOT to a toolchain with library sources and the
# sysroot of its wasm32 std built with threads (once); leaves them empty when there is none.
THREADS_RUSTC=; THREADS_CARGO=; THREADS_SYSROOT=
ensure_threads_sysroot() {
  local sysroot src key dir work vendor
  [ "${MB_THREADS:-1}" = 0 ] && return 0
  THREADS_RUSTC=$RUSTC_BIN; THREADS_CARGO=$CARGO_BIN
  src=$("$THREADS_RUSTC" --print sysroot)/lib/rustlib/src/rust/library
  if ! [ -f "$src/Cargo.lock" ]; then
    # rustup without rust-src: Debian's rustc-web ships its sources (../shared/TOOLCHAIN.md)
    if ! [ -d /usr/lib/rustlib/src/rust/library/vendor ] || ! [ -x /usr/bin/rust-lld ]; then
      log "installing Debian's rustc-web for its library sources (the module with threads)"
      { sudo_if_needed apt-get update -qq && sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
          apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22; } >&2 \
        || { log "could not install rustc-web: the module with threads is not built"; THREADS_RUSTC=; return 0; }
    fi
    THREADS_RUSTC=/usr/bin/rustc; THREADS_CARGO=/usr/bin/cargo
    src=/usr/lib/rustlib/src/rust/library
  fi
  key=$("$THREADS_RUSTC" --version | cksum | cut -d' ' -f1)
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/minibatch/wasm-threads-sysroot-$key
  if ! compgen -G "$dir/lib/rustlib/$target/lib/libstd-*.rlib" >/dev/null; then
    log "building the $target standard library with atomics, for threads (about 30 s, once)"
    work=$(mktemp -d)
    mkdir -p "$work/src" "$work/.cargo"
    printf '[package]\nname = "stdbuild"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\npath = "src/lib.rs"\n[profile.release]\npanic = "abort"\n' >"$work/Cargo.toml"
    echo 'pub fn keep() {}' >"$work/src/lib.rs"
    vendor=$src/vendor
    if [ -d "$vendor" ]; then
      printf '[source.crates-io]\nreplace-with = "rust-library-vendor"\n[source.rust-library-vendor]\ndirectory = "%s"\n' "$vendor" >"$work/.cargo/config.toml"
    fi
    (cd "$work" && env -u RUSTFLAGS RUSTC="$THREADS_RUSTC" RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="-C target-feature=$THREAD_FEATURES" \
      "$THREADS_CARGO" build --release --quiet --target "$target" -Z build-std=std,panic_abort >&2) || {
      log "building std with atomics failed: the module with threads is not built"
      rm -rf "$work"; THREADS_RUSTC=
      return 0
    }
    mkdir -p "$dir.tmp/lib/rustlib/$target/lib"
    for f in "$work/target/$target/release/deps"/lib*.rlib; do
      case "$(basename "$f")" in libstdbuild-*) ;; *) cp "$f" "$dir.tmp/lib/rustlib/$target/lib/" ;; esac
    done
    rm -rf "$work" "$dir"
    mv "$dir.tmp" "$dir"
  fi
  THREADS_SYSROOT=$dir
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
ensure_threads_sysroot

if [ "$want_env" = 1 ]; then
  echo "export MB_CARGO='$CARGO_BIN' MB_RUSTC='$RUSTC_BIN' MB_WASM_BINDGEN='$WASM_BINDGEN_BIN' MB_THREADS_RUSTC='$THREADS_RUSTC' MB_THREADS_CARGO='$THREADS_CARGO' MB_THREADS_SYSROOT='$THREADS_SYSROOT' MB_THREAD_FEATURES='$THREAD_FEATURES'"
else
  log "wasm32 std with threads: ${THREADS_SYSROOT:-none (threads fall back to one)}"
  log "cargo for $target: $CARGO_BIN ($("$RUSTC_BIN" --version))"
  log "wasm-bindgen: $WASM_BINDGEN_BIN ($("$WASM_BINDGEN_BIN" --version))"
fi
