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

# Debian's Rust with its library sources (../shared/TOOLCHAIN.md), when missing. Fails when
# apt cannot install it.
install_debian_rust() {
  [ -d /usr/lib/rustlib/src/rust/library/vendor ] && [ -x /usr/bin/rust-lld ] && return 0
  sudo_if_needed apt-get update -qq >&2 || return 1
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >&2
}

# Builds the $target standard library from a toolchain's library sources, through a throw-away
# cdylib crate and cargo's build-std, and copies its rlibs into a directory.
#   build_wasm_std RUSTC CARGO RUSTFLAGS DEST [sudo_if_needed]
# The sources' vendored dependencies replace crates.io when they are there (Debian ships them),
# so that the build needs no network. Fails when the build fails.
build_wasm_std() {
  local rustc=$1 cargo=$2 flags=$3 dest=$4 as=${5:-} src work f
  src=$("$rustc" --print sysroot)/lib/rustlib/src/rust/library
  work=$(mktemp -d)
  mkdir -p "$work/src" "$work/.cargo"
  printf '[package]\nname = "stdbuild"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\npath = "src/lib.rs"\n[profile.release]\npanic = "abort"\n' >"$work/Cargo.toml"
  echo 'pub fn keep() {}' >"$work/src/lib.rs"
  local offline=()
  if [ -d "$src/vendor" ]; then
    printf '[source.crates-io]\nreplace-with = "rust-library-vendor"\n[source.rust-library-vendor]\ndirectory = "%s"\n' "$src/vendor" >"$work/.cargo/config.toml"
    offline=(--offline)
  fi
  if ! (cd "$work" && env -u RUSTFLAGS PATH="$(dirname "$rustc"):$PATH" RUSTC="$rustc" RUSTC_BOOTSTRAP=1 \
    ${flags:+RUSTFLAGS="$flags"} "$cargo" build --release --quiet "${offline[@]}" --target "$target" \
    -Z build-std=std,panic_abort >&2); then
    rm -rf "$work"
    return 1
  fi
  $as mkdir -p "$dest"
  for f in "$work/target/$target/release/deps"/lib*.rlib; do
    case "$(basename "$f")" in libstdbuild-*) ;; *) $as cp "$f" "$dest/" ;; esac
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
  install_debian_rust
  log "building the $target standard library from Debian's rust-web-src (about 30 s, once)"
  build_wasm_std /usr/bin/rustc /usr/bin/cargo "" "$(/usr/bin/rustc --print sysroot)/lib/rustlib/$target/lib" sudo_if_needed
  has_wasm_std /usr/bin/rustc || { log "the $target std is still missing after building it"; exit 1; }
  CARGO_BIN=/usr/bin/cargo; RUSTC_BIN=/usr/bin/rustc
}

THREAD_FEATURES="+atomics,+bulk-memory,+mutable-globals,+simd128"

# Sets THREADS_RUSTC/THREADS_CARGO/THREADS_SYSROOT to a toolchain with library sources and the
# sysroot of its wasm32 std built with threads (once); leaves them empty when there is none.
THREADS_RUSTC=; THREADS_CARGO=; THREADS_SYSROOT=
ensure_threads_sysroot() {
  local key dir
  [ "${MB_THREADS:-1}" = 0 ] && return 0
  THREADS_RUSTC=$RUSTC_BIN; THREADS_CARGO=$CARGO_BIN
  if ! [ -f "$("$THREADS_RUSTC" --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]; then
    # rustup without rust-src: Debian's rustc-web ships its sources (../shared/TOOLCHAIN.md)
    log "no library sources for $("$THREADS_RUSTC" --version): using Debian's rustc-web for the module with threads"
    install_debian_rust || { log "could not install rustc-web: the module with threads is not built"; THREADS_RUSTC=; return 0; }
    THREADS_RUSTC=/usr/bin/rustc; THREADS_CARGO=/usr/bin/cargo
  fi
  key=$("$THREADS_RUSTC" --version | cksum | cut -d' ' -f1)
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/minibatch/wasm-threads-sysroot-$key
  if ! compgen -G "$dir/lib/rustlib/$target/lib/libstd-*.rlib" >/dev/null; then
    log "building the $target standard library with atomics, for threads (about 30 s, once)"
    rm -rf "$dir.tmp"
    build_wasm_std "$THREADS_RUSTC" "$THREADS_CARGO" "-C target-feature=$THREAD_FEATURES" "$dir.tmp/lib/rustlib/$target/lib" || {
      log "building std with atomics failed: the module with threads is not built"
      rm -rf "$dir.tmp"; THREADS_RUSTC=
      return 0
    }
    rm -rf "$dir"
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
