#!/usr/bin/env bash
# `npm run bench`: builds the kernel and the extension and installs them in .venv (setup.sh), installs the
# benchmark's peers (test/bench/package.json, kept out of the project's own dependencies), runs the conv2d
# benchmark (conv table, auto's overhead, display cost, memory), then the browser draw time: the e2e test
# test/e2e/display-speed.test.ts in a real JupyterLab and Chromium, whose figures (.setup/display-speed.json)
# test/bench/display-speed.cjs prints. Arguments go to the benchmark, e.g.
# `npm run bench -- --layers L3,L4 --quick`; `--no-browser` skips the browser part.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/test/bench"
BROWSER=1
for arg in "$@"; do
  [[ "$arg" == "--no-browser" ]] && BROWSER=0
done
bash "$ROOT/kernel/scripts/setup.sh" >/dev/null
FP=$( { node --version; cat "$BENCH/package.json" "$BENCH/package-lock.json"; } | sha256sum | cut -c1-32)
if [[ ! -d "$BENCH/node_modules" || "$(cat "$ROOT/.setup/bench" 2>/dev/null)" != "$FP" ]]; then
  echo "bench: installing the peers (TF.js, TF.js wasm, onnxruntime-node)"
  # onnxruntime-node ships its CPU binaries in the package; its install script would only fetch GPU extras.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix "$BENCH" --no-audit --no-fund --loglevel=error
  printf '%s' "$FP" > "$ROOT/.setup/bench"
fi
status=0
node "$BENCH/conv2d-bench.cjs" "$@" || status=$?
[[ $BROWSER -eq 1 ]] || exit $status

echo
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser draw time: skipped, no /usr/bin/chromium (bash kernel/scripts/setup.sh --test installs it)"
  exit $status
fi
# The figures name this run, so a failed e2e test does not pass off an earlier run's figures as this one's.
RUN="$(date -u +%Y-%m-%dT%H:%M:%SZ)-$$"
echo "browser draw time: test/e2e/display-speed.test.ts in JupyterLab and Chromium (about half a minute)"
(
  cd "$ROOT"
  # As the e2e instructions say: the WebGPU driver's environment where setup.sh wrote one.
  if [[ -f .setup/vulkan.env ]]; then source .setup/vulkan.env; fi
  CONVLAB_BENCH_RUN="$RUN" node_modules/.bin/vitest run --config test/vitest.e2e.config.mts test/e2e/display-speed.test.ts
) || { echo "browser draw time: the e2e test failed (above)"; status=1; }
echo
node "$BENCH/display-speed.cjs" "$RUN"
exit $status
