#!/usr/bin/env bash
# Every test, in order of speed: type-check, unit (vitest), kernel protocol (pytest + jupyter_client),
# browser end-to-end (vitest + playwright-core + Chromium). Run it through `npm test`, which sets up first.
set -euo pipefail
cd "$(dirname "$0")/.."
echo '== type-check (tests included)'
node_modules/.bin/tsc -p test
echo '== unit tests'
node_modules/.bin/vitest run --config test/vitest.config.mts
echo '== kernel tests'
.venv/bin/python -m pytest test/kernel -q
echo '== browser end-to-end tests'
node_modules/.bin/vitest run --config test/vitest.e2e.config.mts
