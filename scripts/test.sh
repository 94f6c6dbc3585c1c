#!/usr/bin/env bash
# The test command (README.md, "On a fresh machine"; .ci/run calls it too).
#
# 1. Makes sure every tool the tests need is here, installing what it can
#    (Debian packages when run as root, wasm-bindgen-cli with cargo, the
#    wasm32 target with rustup). When a tool is still missing it stops and
#    names it, unless TESSERA_ALLOW_SKIP=1: then the tests that need it run
#    as skipped and are listed as such at the end (never counted as passed).
# 2. Runs every test (`cargo test --workspace`) and every benchmark once as
#    a smoke test (`cargo test --workspace --benches`, debug, no timing).
# 3. Prints one closing line over every test binary, and the skipped tests.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# Debian packages by the command they provide.
declare -A package=(
  [valgrind]=valgrind [cc]=gcc [pkg-config]=pkg-config [patch]=patch
  [wasm-opt]=binaryen [node]=nodejs [tsc]=node-typescript
)
missing=()
for tool in valgrind cc pkg-config patch wasm-opt node tsc; do
  have "$tool" || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && have apt-get; then
  packages=()
  for tool in "${missing[@]}"; do packages+=("${package[$tool]}"); done
  say "installing ${packages[*]} (apt-get)"
  { apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null; } ||
    say "apt-get could not install ${packages[*]}"
fi

# wasm32-unknown-unknown: the core and JS modules; wasm32-wasip1: the
# proxy-wasm filter (wasm/proxy), which tests/ of wasm/proxy-host build
# through wasm/build.sh --proxy-only.
for wasm_target in wasm32-unknown-unknown wasm32-wasip1; do
  if have rustup && ! rustup target list --installed 2>/dev/null | grep -qx "$wasm_target"; then
    rustup target add "$wasm_target" >&2 || say "rustup could not add $wasm_target"
  fi
done

# wasm-bindgen-cli must be the version of the wasm-bindgen crate Cargo.lock pins.
bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen" ]; then
  say "installing wasm-bindgen-cli $bindgen (cargo install, about 4 minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$bindgen" >&2 || say "cargo install wasm-bindgen-cli failed"
fi

still=()
for tool in valgrind cc pkg-config patch wasm-opt node tsc; do
  have "$tool" || still+=("$tool")
done
[ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $bindgen" ] || still+=("wasm-bindgen-cli $bindgen")
if have rustup; then
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || still+=("the wasm32-unknown-unknown target")
  rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || still+=("the wasm32-wasip1 target")
fi
if [ ${#still[@]} -gt 0 ]; then
  if [ "${TESSERA_ALLOW_SKIP:-}" = 1 ] && [ -z "${CI:-}" ]; then
    say "missing: ${still[*]}; the tests that need them will be reported as skipped"
  else
    say "error: the tests need: ${still[*]}"
    say "install them (see .ci/run for the Debian packages), or run with"
    say "TESSERA_ALLOW_SKIP=1 to run without them and see which tests were skipped"
    exit 2
  fi
fi

# Tests that cannot run append a line here (tests/skip.rs explains how).
mkdir -p target
export TESSERA_SKIP_LOG="$PWD/target/skipped-tests.txt"
: >"$TESSERA_SKIP_LOG"

log=$(mktemp)
status=0
{ cargo test --workspace && cargo test --workspace --benches; } 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s += $1} END {print s + 0}')
rm -f "$log"
skipped=$(sort -u "$TESSERA_SKIP_LOG" | grep -c . || true)
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  say "no test ran"
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$skipped" -gt 0 ]; then
  echo "skipped (these did not run):"
  sort -u "$TESSERA_SKIP_LOG" | sed 's/^/  /'
fi
exit "$status"
