#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's corpus/ (policy files and
# the requests of its *.tests.toml files) and from fuzz/regressions/. The
# corpora it writes are generated: fuzz/.gitignore keeps them out of git.
#
# usage: fuzz/seed.sh            (idempotent: files are named by content)
set -euo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
out=$fuzz/corpus
targets=(parse request_json compile_decide format_roundtrip ffi wasm_abi)
for t in "${targets[@]}"; do mkdir -p "$out/$t"; done

# put TARGET FILE: copies FILE in, named by its SHA-1 as libFuzzer names inputs.
put() {
  local sum
  sum=$(sha1sum "$2" | cut -d' ' -f1)
  cp "$2" "$out/$1/$sum"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Policy files, valid and invalid, as they are (parse) and behind the byte
# that selects raw text (format_roundtrip: odd first byte).
while IFS= read -r -d '' policy; do
  put parse "$policy"
  { printf '\001'; cat "$policy"; } >"$tmp/f"
  put format_roundtrip "$tmp/f"
done < <(find "$root/corpus" "$root/policy-lang/examples" -name '*.policy' -print0 2>/dev/null)

# Requests: every [test.request] of every *.tests.toml, as JSON (python3's
# tomllib; skipped without it), and corpus/ecommerce/request.json.
requests=$tmp/requests
mkdir -p "$requests"
cp "$root/corpus/ecommerce/request.json" "$requests/ecommerce-request.json"
if command -v python3 >/dev/null 2>&1 && python3 -c 'import tomllib' 2>/dev/null; then
  python3 - "$root/corpus" "$requests" <<'PY'
import datetime, json, pathlib, sys, tomllib
corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v
for tests in sorted(corpus.glob("*/*.tests.toml")):
    data = tomllib.loads(tests.read_text())
    for i, test in enumerate(data.get("test", [])):
        if "request" in test:
            name = f"{tests.parent.name}-{i}.json"
            (out / name).write_text(json.dumps(plain(test["request"])))
PY
else
  echo "seed.sh: no python3 with tomllib; seeding requests from corpus/ecommerce/request.json only" >&2
fi
for request in "$requests"/*.json; do
  put request_json "$request"
done

# compile_decide (odd first byte: policy text, a NUL, request JSON): each
# corpus set's policies, one file, with each of its requests.
for set in "$root"/corpus/*/; do
  name=$(basename "$set")
  [ "$name" = invalid ] && continue
  cat "$set"/*.policy >"$tmp/policies"
  for request in "$requests/$name"-*.json "$requests/$name"-request.json; do
    [ -f "$request" ] || continue
    { printf '\001'; cat "$tmp/policies"; printf '\000'; cat "$request"; } >"$tmp/f"
    put compile_decide "$tmp/f"
  done
done
if [ -f "$root/corpus/ecommerce/request.json" ]; then
  cat "$root"/corpus/ecommerce/*.policy >"$tmp/policies"
  { printf '\001'; cat "$tmp/policies"; printf '\000'; cat "$root/corpus/ecommerce/request.json"; } >"$tmp/f"
  put compile_decide "$tmp/f"
fi

# The structured targets read choices from bytes: a few fixed byte strings.
for t in compile_decide format_roundtrip ffi wasm_abi; do
  for seed in 00 0002 00ff00ff00ff 0204060810121416 fefdfcfbfaf9f8f7f6f5f4f3f2f1; do
    printf "$(echo "$seed" | sed 's/../\\x&/g')" >"$tmp/f"
    put "$t" "$tmp/f"
  done
done

# Every committed regression input seeds its target too.
for t in "${targets[@]}"; do
  if [ -d "$fuzz/regressions/$t" ]; then
    find "$fuzz/regressions/$t" -type f ! -name '*.md' -print0 | while IFS= read -r -d '' f; do
      put "$t" "$f"
    done
  fi
done

for t in "${targets[@]}"; do
  echo "$t: $(find "$out/$t" -type f | wc -l) seeds"
done
