#!/usr/bin/env bash
# Starts JupyterLab from the project's .venv on 127.0.0.1 with notebooks/ open (run the set-up first;
# `npm start` does both). The port is 8888 unless CONVLAB_PORT says otherwise.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${CONVLAB_PORT:-8888}"
# The software Vulkan driver setup.sh unpacked for WebGPU, where the machine has none (kernels inherit it).
# shellcheck source=/dev/null
[[ -f "$ROOT/.setup/vulkan.env" ]] && source "$ROOT/.setup/vulkan.env"
if ! "$ROOT/.venv/bin/python" - "$PORT" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
then
  printf 'convlab: port %s on 127.0.0.1 is already in use (another JupyterLab?).\n' "$PORT" >&2
  printf 'how to fix: stop that server, or choose another port: CONVLAB_PORT=8890 npm start\n' >&2
  exit 1
fi
ROOT_FLAG=()
[[ $(id -u) -eq 0 ]] && ROOT_FLAG=(--allow-root)
printf 'convlab: starting JupyterLab at http://127.0.0.1:%s/lab (open the URL with the token printed below)\n' "$PORT"
exec "$ROOT/.venv/bin/jupyter" lab --ip=127.0.0.1 --port="$PORT" --port-retries=0 --no-browser \
  --ServerApp.root_dir="$ROOT/notebooks" "${ROOT_FLAG[@]}"
