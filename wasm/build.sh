#!/usr/bin/env bash
# Builds Tessera's two Wasm faces, optimized for size, into one directory:
#
#   OUT/tessera_core.wasm   the plain core-Wasm ABI (wasm/ABI.md), no imports
#   OUT/tessera_proxy.wasm  the proxy-wasm HTTP filter (wasm/proxy/README.md)
#   OUT/js/node/            the JavaScript package for Node (CommonJS)
#   OUT/js/web/             the JavaScript package for browsers (ES module)
#
# Each JS package holds tessera.js, tessera.d.ts (TypeScript types),
# tessera_bg.wasm and a package.json.
#
# usage: wasm/build.sh [OUT]        (OUT defaults to target/wasm)
#        wasm/build.sh --core-only [OUT]
#        wasm/build.sh --proxy-only [OUT]
#
# Needs the wasm32-unknown-unknown target (rustup target add
# wasm32-unknown-unknown), for the proxy filter the wasm32-wasip1 target
# (rustup target add wasm32-wasip1) and, for the JS packages, wasm-bindgen-cli at the
# version Cargo.lock pins (cargo install wasm-bindgen-cli --version V).
# wasm-opt (Debian: binaryen) shrinks the modules when it is installed;
# without it they are copied as rustc wrote them, with a warning.
# CARGO_TARGET_DIR is honoured.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
core_only=false
proxy_only=false
if [ "${1:-}" = "--core-only" ]; then
  core_only=true
  shift
elif [ "${1:-}" = "--proxy-only" ]; then
  proxy_only=true
  shift
fi
out=${1:-$root/target/wasm}
target_dir=${CARGO_TARGET_DIR:-$root/target}
built=$target_dir/wasm32-unknown-unknown/wasm-release
mkdir -p "$out"

# The features rustc enables for wasm32-unknown-unknown; wasm-opt must accept
# them in its input and may keep using them, nothing more.
wasm_features=(--enable-bulk-memory --enable-sign-ext --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types)

# optimize IN OUT [FLAGS...]: wasm-opt -Oz when available, else a plain copy.
# --low-memory-unused lets wasm-opt fold small constant offsets into loads
# and stores (7 KB): rustc puts the 1 MiB stack first, so only a stack about
# to overflow reaches the lowest KiB, and folding changes nothing but where
# an address computed past 4 GiB lands (a trap instead of low memory).
# --flatten --rereloop between rounds of -Oz rebuilds the control flow: 10 KB
# smaller, as fast.
optimize() {
  if command -v wasm-opt >/dev/null 2>&1; then
    wasm-opt -Oz --low-memory-unused --flatten --rereloop -Oz -Oz --strip-debug \
      "${wasm_features[@]}" "${@:3}" "$1" -o "$2"
  else
    echo "warning: wasm-opt not found (Debian: apt-get install binaryen); $2 is not size-optimized" >&2
    cp "$1" "$2"
  fi
}

# Compiler flags for this build, after the caller's RUSTFLAGS (like those,
# they replace rustflags from Cargo config files; with --target they reach
# neither build scripts nor proc macros):
# - code optimized for speed (opt-level 2, and the link-time pass over the
#   whole module) inlines a callee up to a cost of 150 rather than LLVM's 225,
#   and no loop of unknown trip count is unrolled: about 25 KB smaller, a
#   decision a few percent slower. Code at "s" and "z" keeps LLVM's limits;
# - panic locations name registry sources `CRATE-VERSION/src/...`, not by
#   this machine's path (about 5 KB of strings).
rustflags=(-Cllvm-args=-inlinedefault-threshold=150 -Cllvm-args=-unroll-runtime=false)
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  if [ -d "$registry" ]; then
    rustflags+=("--remap-path-prefix=$registry=")
  fi
done
if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then
  rustflags=("$CARGO_ENCODED_RUSTFLAGS" "${rustflags[@]}")
elif [ -n "${RUSTFLAGS:-}" ]; then
  read -ra caller_flags <<<"$RUSTFLAGS"
  rustflags=("${caller_flags[@]}" "${rustflags[@]}")
fi
CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f' && echo "${rustflags[*]}")
export CARGO_ENCODED_RUSTFLAGS

# The proxy-wasm filter: wasm32-wasip1 (the target Envoy and Istio load),
# its own profile (Cargo.toml, `wasm-proxy`).
build_proxy() {
  cargo build --quiet --manifest-path "$root/Cargo.toml" --target-dir "$target_dir" \
    -p tessera-proxy-wasm --lib --target wasm32-wasip1 --profile wasm-proxy
  optimize "$target_dir/wasm32-wasip1/wasm-proxy/tessera_proxy.wasm" "$out/tessera_proxy.wasm.$$" --strip-producers
  mv "$out/tessera_proxy.wasm.$$" "$out/tessera_proxy.wasm"
}
if $proxy_only; then
  build_proxy
  exit 0
fi

# The core module on its own: built together with tessera-js, cargo would
# unify tessera's features and link the JS face's `typescript` declarations
# (wasm-bindgen's sections and describe functions, about 570 KB) into it.
cargo build --quiet --manifest-path "$root/Cargo.toml" --target-dir "$target_dir" \
  -p tessera-wasm --lib --target wasm32-unknown-unknown --profile wasm-release

optimize "$built/tessera_wasm.wasm" "$out/tessera_core.wasm.$$" --strip-producers
mv "$out/tessera_core.wasm.$$" "$out/tessera_core.wasm"
$core_only && exit 0
build_proxy
cargo build --quiet --manifest-path "$root/Cargo.toml" --target-dir "$target_dir" \
  -p tessera-js --lib --target wasm32-unknown-unknown --profile wasm-release

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$root/Cargo.lock")
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "error: the JS packages need wasm-bindgen-cli $want (found: ${have:-none});" >&2
  echo "       cargo install wasm-bindgen-cli --version $want" >&2
  exit 3
fi

# wasm-opt runs before wasm-bindgen: Debian's binaryen (108) exports the
# externref table wasm-bindgen adds as table 0, the function table, which
# Node then refuses to initialize (later binaryens fix it). --strip-debug
# keeps the target_features section wasm-bindgen reads; wasm-bindgen drops
# the name and producers sections it would add (1.4 KB, neither is needed).
optimize "$built/tessera_js.wasm" "$out/tessera_js.opt.wasm.$$"
trap 'rm -f "$out/tessera_js.opt.wasm.$$"' EXIT

version=$(awk -F'"' '/^version = / { print $2; exit }' "$root/Cargo.toml")
for flavour in node web; do
  case $flavour in
    node) bindgen_target=nodejs ;;
    web) bindgen_target=web ;;
  esac
  dir=$out/js/$flavour
  rm -rf "$dir"
  mkdir -p "$dir"
  wasm-bindgen --target "$bindgen_target" --out-name tessera --out-dir "$dir" \
    --remove-name-section --remove-producers-section "$out/tessera_js.opt.wasm.$$"
  module_type=commonjs
  [ "$flavour" = web ] && module_type=module
  cat >"$dir/package.json" <<EOF
{
  "name": "@tessera/policy-$flavour",
  "version": "$version",
  "description": "Tessera's secret access policy engine, compiled to WebAssembly ($flavour)",
  "license": "Apache-2.0",
  "type": "$module_type",
  "main": "tessera.js",
  "types": "tessera.d.ts",
  "files": ["tessera.js", "tessera.d.ts", "tessera_bg.wasm", "tessera_bg.wasm.d.ts"],
  "sideEffects": false
}
EOF
  cp "$root/wasm/js/README.md" "$dir/README.md"
done
