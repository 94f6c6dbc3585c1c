#!/usr/bin/env bash
# Runs the cargo-fuzz targets, one after another, each for SECONDS (default
# 60), from the seeded corpus (fuzz/seed.sh, run first when it is missing)
# plus the committed regressions. Needs nightly and cargo-fuzz
# (`cargo install cargo-fuzz`); wasm_abi also needs the wasm32 target, whose
# module this script builds with wasm/build.sh --core-only.
#
# usage: fuzz/run.sh [SECONDS] [TARGET...]      (default: every target)
#
# Environment: FUZZ_SANITIZER (default none: the code is Rust, and wasmtime's
# signal handling does not mix with ASan; `address` works for the others),
# FUZZ_TIMEOUT (seconds one input may take, default 10), FUZZ_JOBS (libFuzzer
# -fork jobs per target, default 1), FUZZ_ARGS (more libFuzzer flags).
#
# A crash or a failed check stops that target, leaves the input in
# fuzz/artifacts/TARGET/ and makes the script exit 1 after the rest have run.
# Per-target logs go to fuzz/logs/TARGET.log.
set -uo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
seconds=${1:-60}
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(parse request_json compile_decide format_roundtrip ffi wasm_abi)
fi
sanitizer=${FUZZ_SANITIZER:-none}
timeout=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_JOBS:-1}

cd "$fuzz" || exit 1
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "run.sh: needs nightly and cargo-fuzz: rustup toolchain install nightly; cargo install cargo-fuzz" >&2
  exit 2
fi
[ -d "$fuzz/corpus" ] || "$fuzz/seed.sh" >/dev/null || exit 1

# One feature set for every target, so that one build serves them all: with
# wasm_abi among them, every target is built with wasmtime.
features=()
for t in "${targets[@]}"; do
  if [ "$t" = wasm_abi ]; then
    features=(--features wasm)
    if [ -z "${TESSERA_WASM_MODULE:-}" ]; then
      echo "== building the core Wasm module (wasm/build.sh --core-only)"
      bash "$root/wasm/build.sh" --core-only "$fuzz/wasm" || exit 1
      export TESSERA_WASM_MODULE=$fuzz/wasm/tessera_core.wasm
    fi
  fi
done

build_start=$(date +%s)
echo "== building the fuzz targets (sanitizer: $sanitizer)"
cargo +nightly fuzz build --sanitizer "$sanitizer" "${features[@]}" || exit 1
echo "built in $(($(date +%s) - build_start)) s"

mkdir -p "$fuzz/logs"
fork=()
if [ "$jobs" -gt 1 ]; then
  fork=(-fork="$jobs")
fi
failed=()
summary=()
for t in "${targets[@]}"; do
  case $t in
    parse | compile_decide | format_roundtrip) dict=(-dict="$fuzz/policy.dict") ;;
    request_json) dict=(-dict="$fuzz/request.dict") ;;
    *) dict=() ;;
  esac
  mkdir -p "$fuzz/corpus/$t"
  log=$fuzz/logs/$t.log
  echo "== $t for ${seconds}s"
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  cargo +nightly fuzz run --sanitizer "$sanitizer" "${features[@]}" "$t" \
    "$fuzz/corpus/$t" "$fuzz/regressions/$t" -- \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 \
    -print_final_stats=1 "${dict[@]}" "${fork[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1
  status=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log" | tail -n 1)
  if [ $status -ne 0 ]; then
    failed+=("$t")
    summary+=("$t: FAILED (exit $status) after ${runs:-?} runs; see $log and fuzz/artifacts/$t/")
    tail -n 40 "$log" >&2
  else
    summary+=("$t: ${runs:-?} runs in ${seconds}s, no finding")
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}; minimize with: cargo +nightly fuzz tmin --sanitizer $sanitizer ${features[*]} TARGET ARTIFACT" >&2
  exit 1
fi
