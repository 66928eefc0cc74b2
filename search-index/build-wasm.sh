#!/usr/bin/env bash
# Rebuilds the browser reader: search-index compiled to wasm32 (feature `wasm`, no tantivy)
# plus its wasm-bindgen JS glue, committed under theme/search/.
#
#   search-index/build-wasm.sh          rebuild into theme/search/
#   search-index/build-wasm.sh --check  rebuild into a temp dir, fail if it differs from the
#                                       committed files (exit 0 with a notice when the
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

# wasm-bindgen CLI at exactly the version of the wasm-bindgen crate in Cargo.lock.
version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$repo/Cargo.lock")"
if [ -z "$version" ]; then
  echo "build-wasm: wasm-bindgen not found in Cargo.lock" >&2
  exit 1
fi
bindgen="${WASM_BINDGEN:-wasm-bindgen}"
if ! command -v "$bindgen" >/dev/null 2>&1 || [ "$("$bindgen" --version | awk '{print $2}')" != "$version" ]; then
  echo "build-wasm: installing wasm-bindgen-cli $version"
  cargo install wasm-bindgen-cli --version "$version" --locked \
    || cargo install wasm-bindgen-cli --version "$version"
  bindgen="$HOME/.cargo/bin/wasm-bindgen"
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
(cd "$repo" && cargo rustc -p search-index --lib --release --target wasm32-unknown-unknown \
  --no-default-features --features wasm --crate-type cdylib --target-dir "$target_dir" -q)
wasm="$target_dir/wasm32-unknown-unknown/release/search_index.wasm"

"$bindgen" "$wasm" --out-dir "$tmp" --out-name search_index --target no-modules --no-typescript --remove-name-section --remove-producers-section
files="search_index.js search_index_bg.wasm"

if [ "$mode" = "--check" ]; then
  status=0
  for f in $files; do
    if ! cmp -s "$tmp/$f" "$out_dir/$f"; then
      echo "build-wasm: $f differs from the committed theme/search/$f (run search-index/build-wasm.sh)" >&2
      status=1
    fi
  done
  [ "$status" = 0 ] && echo "build-wasm: committed wasm and glue are up to date"
  exit "$status"
fi

mkdir -p "$out_dir"
for f in $files; do cp "$tmp/$f" "$out_dir/$f"; done
ls -l "$out_dir/search_index_bg.wasm" "$out_dir/search_index.js"
