#!/usr/bin/env bash
# Throughput of two commits on this machine, back to back (issue 11's "no slower" check): builds
# each commit in a temporary folder (git archive, this checkout's node_modules hard-linked, its
# target/ copied to save the Rust build), then runs the suite's minibatch configurations (the
# sweep and models sections, no TF.js) alternately BEFORE, AFTER, BEFORE, AFTER, … ROUNDS times,
# keeps every run's results.json in bench/compare/runs/, and writes bench/compare/<NAME>.md: each
# configuration's after/before ratio of the median rates, with the spread between rounds of the
# same build (the machine's noise) beside it.
#
#   bash bench/compare.sh BEFORE AFTER [ROUNDS] [NAME]     e.g. bash bench/compare.sh main seam 2 seam
#
# It first runs bench/ab.mjs (both builds in one process, interleaved per configuration,
# AB_ROUNDS rounds, default 7; written to bench/compare/<NAME>-ab.md): on a busy machine that is
# the figure to trust. ROUNDS 0 runs only that.
#
# Run it on a quiet machine: any other work shifts both builds' figures, not always equally.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
before=$1
after=$2
rounds=${3:-2}
name=${4:-compare}
work=$(mktemp -d)
out="$root/bench/compare/runs/$name"
mkdir -p "$out"
for side in before after; do
  ref=${!side}
  dir="$work/$side"
  mkdir -p "$dir"
  git -C "$root" archive "$ref" | tar -x -C "$dir"
  # git archive dates the files at their commit, older than the copied target/'s artifacts: cargo
  # would take those as up to date and build the other commit's Rust; date the sources now
  find "$dir/crates" -name '*.rs' -exec touch {} +
  cp -al "$root/node_modules" "$dir/node_modules"
  if [ -d "$root/target" ]; then cp -r "$root/target" "$dir/target"; fi
  (cd "$dir" && npm run build:wasm >/dev/null && npx rollup -c --silent && node bench/build.mjs)
  git -C "$root" rev-parse --short "$ref" >"$out/$side.commit"
done
# first the interleaved check (bench/ab.mjs): both builds in one process, A/B per configuration
node "$root/bench/ab.mjs" "$work/before/dist" "$work/after/dist" "${AB_ROUNDS:-7}" >"$out/ab.md"
[ "$rounds" -gt 0 ] || { cp "$out/ab.md" "$root/bench/compare/$name-ab.md"; rm -rf "$work"; exit 0; }
results="${TMPDIR:-/tmp}/minibatch-bench/results.json"
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    for section in sweep models; do
      echo "[compare] round $round, $side ($(cat "$out/$side.commit")), $section; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
      (cd "$work/$side" && node bench/out/suite.mjs --no-tfjs --section "$section" >/dev/null)
      cp "$results" "$out/$side-$round-$section.json"
    done
  done
done
node "$root/bench/compare.mjs" "$out" >"$root/bench/compare/$name.md"
cp "$out/ab.md" "$root/bench/compare/$name-ab.md"
rm -rf "$work"
echo "[compare] wrote bench/compare/$name.md and $name-ab.md" >&2
