#!/usr/bin/env bash
# Rebuilds the browser reader: search-index compiled to wasm32 (feature `wasm`, no tantivy,
# plain C-ABI exports loaded by theme/search/search-worker.js), committed as
# theme/search/search_index.wasm (the site's), and with feature `overlay` as
# src/serve/search_index_preview.wasm (the live preview's, which also searches the overlay
# of the pages changed since its full index; the site's first search does not load that
# code). Needs the wasm32-unknown-unknown target, Node (which strips the custom sections)
# and npm (which installs Binaryen's wasm-opt, pinned in search-index/wasm-tools/, on first
# use).
#
#   search-index/build-wasm.sh          rebuild both
#   search-index/build-wasm.sh --check  rebuild into a temp dir, fail if either differs from
#                                       the committed one (exit 0 with a notice when the
#                                       wasm32 target cannot be installed)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out_dir="$repo/theme/search"
mode="${1:-build}"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  if ! rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    if [ "$mode" = "--check" ]; then
      echo "build-wasm: wasm32-unknown-unknown target not available; skipping the wasm check"
      exit 0
    fi
    echo "build-wasm: cannot install the wasm32-unknown-unknown target" >&2
    exit 1
  fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Reproducible: own target dir (a fresh one in --check mode), size-optimised release
# profile, no local paths embedded.
if [ "$mode" = "--check" ]; then
  target_dir="$tmp/target"
else
  target_dir="$repo/target/wasm-build"
fi
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_INCREMENTAL=false
export RUSTFLAGS="--remap-path-prefix=$target_dir=/target --remap-path-prefix=$repo=/samsyn --remap-path-prefix=$HOME/.cargo=/cargo --remap-path-prefix=$(rustc --print sysroot)=/rustc"
export SOURCE_DATE_EPOCH=0
# build FEATURES OUT: the optimised, stripped module of search-index with FEATURES in OUT.
build() {
  local features="$1" out="$2"
  (cd "$repo" && cargo rustc -p search-index --lib --release --target wasm32-unknown-unknown \
    --no-default-features --features "$features" --crate-type cdylib --target-dir "$target_dir" -q)
  local wasm="$target_dir/wasm32-unknown-unknown/release/search_index.wasm"

  # Binaryen's wasm-opt (npm, pinned in wasm-tools/package-lock.json) shrinks the module
  # further: about 2 KB of the compressed file that every visitor's first search loads.
  local tools="$here/wasm-tools"
  if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  "$tools/node_modules/.bin/wasm-opt" -Oz --converge --enable-bulk-memory --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
    --enable-reference-types "$wasm" -o "$tmp/optimized.wasm"

  # The committed file drops every custom section (names, producers: smaller, and free of
  # toolchain details); the build in target/wasm-build keeps the names for `twiggy`.
  node - "$tmp/optimized.wasm" "$out" <<'JS'
const fs = require("fs");
const [src, dst] = process.argv.slice(2);
const data = fs.readFileSync(src);
if (data.readUInt32LE(0) !== 0x6d736100 || data.readUInt32LE(4) !== 1) throw new Error("not a wasm module");
const parts = [data.subarray(0, 8)];
for (let i = 8; i < data.length;) {
  const start = i;
  const id = data[i++];
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    const b = data[i++];
    size += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  i += size;
  if (id !== 0) parts.push(data.subarray(start, i)); // 0: custom section
}
fs.writeFileSync(dst, Buffer.concat(parts));
JS
}

site="$out_dir/search_index.wasm"
preview="$repo/src/serve/search_index_preview.wasm"
build wasm "$tmp/site.wasm"
build wasm,overlay "$tmp/preview.wasm"

if [ "$mode" = "--check" ]; then
  stale=0
  for pair in "site.wasm:$site" "preview.wasm:$preview"; do
    if ! cmp -s "$tmp/${pair%%:*}" "${pair#*:}"; then
      echo "build-wasm: ${pair#*:} differs from its build (run search-index/build-wasm.sh)" >&2
      stale=1
    fi
  done
  [ "$stale" = 0 ] || exit 1
  echo "build-wasm: the committed wasm files are up to date"
  exit 0
fi

mkdir -p "$out_dir"
cp "$tmp/site.wasm" "$site"
cp "$tmp/preview.wasm" "$preview"
ls -l "$site" "$preview"
