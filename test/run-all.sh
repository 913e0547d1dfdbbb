#!/usr/bin/env bash
# Every test, in order of speed: type-check, unit (vitest), kernel protocol (pytest + jupyter_client),
# browser end-to-end (vitest + playwright-core + Chromium), packages (pytest: wheel, npm tarball, image). Run it through `npm test`, which sets up first.
set -euo pipefail
cd "$(dirname "$0")/.."
# The software Vulkan driver setup.sh unpacked for WebGPU, where the machine has none: with it, the WebGPU engine
# must open, so its tests run instead of reporting it unavailable.
if [[ -f .setup/vulkan.env ]]; then
  source .setup/vulkan.env
  export CONVLAB_REQUIRE_WEBGPU=1
fi
echo '== type-check (tests included)'
node_modules/.bin/tsc -p test
echo '== import rules (dependency-cruiser: no cycles; the kernel and the extension meet only in @convlab/protocol)'
node_modules/.bin/depcruise --config test/dependency-rules.cjs kernel/src extension/src extension/protocol/src
echo '== unit tests'
node_modules/.bin/vitest run --config test/vitest.config.mts
echo '== kernel tests'
.venv/bin/python -m pytest test/kernel -q
echo '== browser end-to-end tests'
node_modules/.bin/vitest run --config test/vitest.e2e.config.mts
echo '== package tests (the wheel and sdist from a clean copy; pip install into fresh JupyterLabs; the npm package; the image)'
.venv/bin/python -m pytest test/package -q
