#!/usr/bin/env bash
# `npm run bench`: builds the kernel (setup.sh), installs the benchmark's peers (test/bench/package.json, kept
# out of the project's own dependencies), then runs the conv2d benchmark. Arguments go to the benchmark,
# e.g. `npm run bench -- --layers L3,L4 --quick`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/test/bench"
bash "$ROOT/kernel/scripts/setup.sh" >/dev/null
FP=$( { node --version; cat "$BENCH/package.json" "$BENCH/package-lock.json"; } | sha256sum | cut -c1-32)
if [[ ! -d "$BENCH/node_modules" || "$(cat "$ROOT/.setup/bench" 2>/dev/null)" != "$FP" ]]; then
  echo "bench: installing the peers (TF.js, TF.js wasm, onnxruntime-node)"
  # onnxruntime-node ships its CPU binaries in the package; its install script would only fetch GPU extras.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix "$BENCH" --no-audit --no-fund --loglevel=error
  printf '%s' "$FP" > "$ROOT/.setup/bench"
fi
exec node "$BENCH/conv2d-bench.cjs" "$@"
