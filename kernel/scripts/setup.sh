#!/usr/bin/env bash
# ConvLab set-up, shared by `npm start` and `npm test`: installs what is missing, builds what changed, and
# installs the `convlab` kernelspec and the prebuilt extension into the project-local Python environment
# (.venv), never into the user's global Jupyter.
#
# Idempotent: every step is skipped when its inputs are unchanged (fingerprints in .setup/), so a second run
# takes seconds.
#
# Usage: bash kernel/scripts/setup.sh [--test] [--gpu]
#   --test  also installs the test tools: Chromium (Debian's, for browser tests) and the Python test packages.
#   --gpu   also builds headless-gl (the optional `gl` package: gpu.js's WebGL context in Node) with Debian's
#           build and X11/GL packages, and installs Xvfb for its display; and, where Dawn (WebGPU) finds no
#           Vulkan driver, unpacks Mesa's software one into the user's cache (.setup/vulkan.env). Also on with CONVLAB_GPU=1, and with
#           --test (so the gpu backend's tests run on headless-gl) unless CONVLAB_GPU=0; there a failed gl
#           build only warns, and the gpu tests run in gpu.js's CPU modes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
FOR_TESTS=0
FOR_GPU=${CONVLAB_GPU:-0}
GPU_REQUIRED=$FOR_GPU
for arg in "$@"; do
  [[ "$arg" == "--test" ]] && FOR_TESTS=1
  [[ "$arg" == "--gpu" ]] && FOR_GPU=1 && GPU_REQUIRED=1
done
[[ $FOR_TESTS -eq 1 && "${CONVLAB_GPU:-}" != "0" ]] && FOR_GPU=1
STAMPS="$ROOT/.setup"
VENV="$ROOT/.venv"
mkdir -p "$STAMPS"

say() { printf 'convlab setup: %s\n' "$*"; }
die() {
  printf '\nconvlab setup failed: %s\n' "$1" >&2
  [[ -n "${2:-}" ]] && printf 'how to fix: %s\n' "$2" >&2
  exit 1
}
# A fingerprint of files' contents (and of the given extra text), to tell whether a step must run again.
fingerprint() { { printf '%s\n' "${EXTRA:-}"; cat "$@" 2>/dev/null; } | sha256sum | cut -c1-32; }
is_fresh() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
mark_fresh() { printf '%s' "$2" > "$STAMPS/$1"; }

# --- Debian packages -----------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  local runner=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo -n true 2>/dev/null || die "missing Debian packages: $*" "sudo apt-get install -y $*  (then run the command again)"
    runner=(sudo -n)
  fi
  command -v apt-get >/dev/null || die "missing packages: $* (and no apt-get: this set-up expects Debian)" "install $* with your package manager"
  say "installing Debian packages: $*"
  if [[ $APT_UPDATED -eq 0 ]]; then
    "${runner[@]}" apt-get update -qq >/dev/null || die "apt-get update failed" "check the network to Debian's mirrors, then run again"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed" "run: sudo apt-get install -y $*"
}

# --- Node.js and Python ----------------------------------------------------------------------------------
command -v node >/dev/null || die "Node.js is not installed" "install Node.js 20 or newer (Debian: apt-get install nodejs npm)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20 or newer is required, found $(node --version)" "install Node.js 20+"
command -v python3 >/dev/null || die "Python 3 is not installed" "sudo apt-get install -y python3 python3-venv"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || die "Python 3.9 or newer is required, found $(python3 --version 2>&1)" "install a newer python3"

# --- npm packages --------------------------------------------------------------------------------------------
NPM_FP=$(EXTRA="$(node --version)" fingerprint package.json package-lock.json kernel/package.json extension/package.json)
if ! is_fresh npm "$NPM_FP" || [[ ! -d node_modules ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed" "read the npm error above; delete node_modules and run again"
  mark_fresh npm "$NPM_FP"
fi
# zeromq ships prebuilt binaries; npm 11 may skip install scripts, so prove that the native module loads.
node -e 'require("zeromq")' 2>/dev/null \
  || die "the native module of zeromq (needed by the kernel) does not load on $(uname -m) / Node $(node --version)" \
         "run: npm rebuild zeromq --foreground-scripts (needs cmake and a C++ compiler), then run again"

# --- Python environment (.venv) ------------------------------------------------------------------------------
REQS=kernel/scripts/requirements.txt
[[ $FOR_TESTS -eq 1 ]] && REQS=kernel/scripts/requirements-test.txt
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating the Python environment .venv"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv
    python3 -m venv "$VENV" || die "python3 -m venv failed" "sudo apt-get install -y python3-venv"
  fi
fi
PY_FP=$(EXTRA="$("$VENV/bin/python" --version)" fingerprint "$REQS" kernel/scripts/requirements.txt)
if ! is_fresh "pip-$(basename "$REQS")" "$PY_FP"; then
  say "installing Python packages from $REQS"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS" \
    || die "pip install -r $REQS failed" "read the pip error above, then run again"
  mark_fresh "pip-$(basename "$REQS")" "$PY_FP"
fi

# --- headless-gl and Xvfb for the gpu backend (--gpu or --test; compiling gl's ANGLE takes ~10 minutes once) ---
# gl has no prebuilt binary reachable here, so it compiles at install; npm 11 may skip install scripts, so the
# build is run explicitly and then proven by creating a context under Xvfb.
if [[ $FOR_GPU -eq 1 ]]; then
  GL_PKGS=(build-essential python3 pkg-config libx11-dev libxi-dev libxext-dev libgl-dev libglu1-mesa-dev libglew-dev xvfb xauth)
  missing=()
  for pkg in "${GL_PKGS[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $GPU_REQUIRED -eq 1 ]]; then apt_install "${missing[@]}"
    else ( apt_install "${missing[@]}" ) || say "warning: could not install ${missing[*]}; the gpu tests will run in gpu.js's CPU modes"
    fi
  fi
  GL_VERSION=$(node -p 'require("./node_modules/gpu.js/package.json").optionalDependencies.gl')
  # A built gl is kept per version and Node ABI in the user's cache, so a fresh clone (or npm ci, which
  # empties node_modules) gets it back in seconds instead of compiling ANGLE again.
  GL_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/convlab/gl-$GL_VERSION-node$(node -p process.versions.modules).tgz"
  gl_works() { xvfb-run -a node -e 'process.exit(require("gl")(1, 1) ? 0 : 1)' 2>/dev/null; }
  if ! gl_works && [[ -f "$GL_CACHE" ]]; then
    say "restoring headless-gl from $GL_CACHE"
    # gl's own dependencies from the registry (no build), then the cached gl with its compiled binary over it.
    npm install --no-save --no-audit --no-fund --ignore-scripts "gl@$GL_VERSION" >/dev/null 2>&1 || true
    tar -xzf "$GL_CACHE" -C node_modules
  fi
  if ! gl_works; then
    say "building headless-gl (gl@$GL_VERSION; compiles ANGLE: about 10 minutes on 2 cores)"
    npm install --no-save --no-audit --no-fund --foreground-scripts "gl@$GL_VERSION" >"$STAMPS/gl-build.log" 2>&1 || true
  fi
  if gl_works; then
    [[ -f "$GL_CACHE" ]] || { mkdir -p "$(dirname "$GL_CACHE")" && tar -czf "$GL_CACHE" -C node_modules gl; }
    say "headless-gl works under Xvfb"
  elif [[ $GPU_REQUIRED -eq 1 ]]; then
    tail -30 "$STAMPS/gl-build.log" >&2 2>/dev/null || true
    die "gl does not build or creates no WebGL context under Xvfb" "read .setup/gl-build.log; without it the gpu backend runs in gpu.js's CPU modes"
  else
    say "warning: headless-gl is not available (.setup/gl-build.log); the gpu tests run in gpu.js's CPU modes"
  fi
fi

# --- Chromium for browser tests ----------------------------------------------------------------------------------
if [[ $FOR_TESTS -eq 1 && ! -x /usr/bin/chromium ]]; then
  apt_install chromium fonts-dejavu-core
fi

# --- Build ---------------------------------------------------------------------------------------------------------
say "building the kernel"
# The hand-written WebAssembly kernels (kernel/src/backends/wasm/*.wat) become TypeScript modules first.
node kernel/scripts/build-wasm.cjs || die "the WebAssembly kernels do not compile" "fix the .wat errors above"
node_modules/.bin/tsc -b kernel || die "the kernel does not compile" "fix the TypeScript errors above"
chmod +x kernel/dist/launcher.js
EXT_FP=$(fingerprint extension/package.json extension/tsconfig.json tsconfig.json install.json \
  extension/protocol/package.json extension/protocol/tsconfig.json \
  $(find extension/src extension/style extension/protocol/src -type f | sort))
EXT_DIR="$VENV/share/jupyter/labextensions/convlab-extension"
if ! is_fresh extension "$EXT_FP" || [[ ! -f "$EXT_DIR/package.json" ]]; then
  say "building the JupyterLab extension"
  npm run build --silent -w extension >"$STAMPS/extension-build.log" 2>&1 \
    || { cat "$STAMPS/extension-build.log" >&2; die "the extension does not build" "fix the errors above (log: .setup/extension-build.log)"; }
  rm -rf "$EXT_DIR"
  mkdir -p "$(dirname "$EXT_DIR")"
  cp -r extension/lib/labextension "$EXT_DIR"
  cp install.json "$EXT_DIR/install.json"
  mark_fresh extension "$EXT_FP"
fi

# --- A software Vulkan driver for the WebGPU engine (--gpu or --test) ----------------------------------------------
# Dawn (the webgpu package) needs a Vulkan driver; where the machine has none Dawn accepts (bookworm's Mesa 22.3
# lavapipe is too old), unpack Mesa 25's lavapipe from bookworm-backports into the user's cache, without root and
# without touching the system, and write .setup/vulkan.env for test/run-all.sh and start-lab.sh to source.
# Failures only warn: the gpu backend then uses headless-gl.
if [[ $FOR_GPU -eq 1 ]]; then
  VK_ENV="$STAMPS/vulkan.env"
  webgpu_adapter() { node -e '
    const e = require("./kernel/dist/backends/gpu/webgpu/engine.js").openWebGpu(10000);
    if ("unavailable" in e) { console.error(e.unavailable); process.exit(1); }
    console.log(e.adapter);' 2>"$STAMPS/webgpu-probe.log"; }
  VK_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/convlab/vulkan"
  # Writes the env file for an unpacked driver ($1: its root) and proves that WebGPU opens with it.
  use_driver() {
    local lvp
    lvp=$(find "$1/usr/lib" -name libvulkan_lvp.so -print -quit 2>/dev/null)
    [[ -n "$lvp" ]] || return 1
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.4.305" } }\n' "$lvp" > "$1/lvp_icd.json"
    cat > "$VK_ENV" <<ENV
# Written by kernel/scripts/setup.sh: Mesa's software Vulkan driver (lavapipe) for WebGPU, from $1.
export LD_LIBRARY_PATH="$(dirname "$lvp")\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export VK_ICD_FILENAMES="$1/lvp_icd.json"
export VK_DRIVER_FILES="$1/lvp_icd.json"
ENV
    ( source "$VK_ENV" && webgpu_adapter >/dev/null ) || { rm -f "$VK_ENV"; return 1; }
  }
  # Downloads lavapipe (mesa-vulkan-drivers) from bookworm-backports, the libdrm it needs, and those of its other
  # dependencies this machine lacks, with a private apt state (no root); unpacks them into $VK_CACHE/mesa-VERSION
  # and prints that folder (last line), or why not. apt's own output goes to .setup/vulkan-fetch.log.
  fetch_driver() {
    local apt_dir="$VK_CACHE/apt" version pkgs=() dep
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/debs"
    printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-backports main\n' > "$apt_dir/sources.list"
    local apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1 -qq)
    apt-get "${apt_opts[@]}" update || { echo "apt-get update on bookworm and bookworm-backports failed"; return 1; }
    version=$(apt-cache "${apt_opts[@]}" show mesa-vulkan-drivers/bookworm-backports | sed -n 's/^Version: //p' | head -1)
    [[ "$version" == 2[5-9].* ]] || { echo "bookworm-backports has mesa-vulkan-drivers '$version', not 25 or newer"; return 1; }
    [[ -d "$VK_CACHE/mesa-$version/usr" ]] && { echo "$VK_CACHE/mesa-$version"; return 0; }
    pkgs=(mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports libvulkan1)
    for dep in $(apt-cache "${apt_opts[@]}" show mesa-vulkan-drivers/bookworm-backports | sed -n 's/^Depends: //p' | head -1 \
                 | tr ',' '\n' | sed 's/ *(.*//; s/ //g; s/|.*//'); do
      [[ "$dep" == libdrm* || "$dep" == libvulkan1 ]] && continue
      dpkg -s "$dep" >/dev/null 2>&1 || pkgs+=("$dep")
    done
    rm -f "$apt_dir/debs/"*.deb
    ( cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" ) || { echo "apt-get download ${pkgs[*]} failed"; return 1; }
    rm -rf "$VK_CACHE/mesa-$version.partial"
    for deb in "$apt_dir/debs/"*.deb; do dpkg -x "$deb" "$VK_CACHE/mesa-$version.partial" || { echo "dpkg -x $deb failed"; return 1; }; done
    # Only lavapipe is wanted: the hardware drivers in the package are most of its size.
    find "$VK_CACHE/mesa-$version.partial" -name 'libvulkan_*.so' ! -name libvulkan_lvp.so -delete
    mv "$VK_CACHE/mesa-$version.partial" "$VK_CACHE/mesa-$version"
    rm -rf "$apt_dir/debs" "$apt_dir/lists" "$apt_dir/cache"
    echo "$VK_CACHE/mesa-$version"
  }
  if [[ -f "$VK_ENV" ]] && adapter=$(source "$VK_ENV" && webgpu_adapter); then
    say "WebGPU: $adapter (.setup/vulkan.env)"
  elif rm -f "$VK_ENV" && adapter=$(webgpu_adapter); then
    say "WebGPU works with this machine's driver: $adapter"
  else
    cached=$(ls -d "$VK_CACHE"/mesa-2[5-9].* 2>/dev/null | grep -v '\.partial$' | sort -V | tail -1 || true)
    if [[ -n "$cached" ]] && use_driver "$cached"; then
      say "WebGPU: Mesa's software Vulkan driver from $cached"
    else
      say "downloading Mesa's software Vulkan driver (lavapipe) from bookworm-backports for WebGPU"
      if driver=$(fetch_driver 2>"$STAMPS/vulkan-fetch.log" | tail -1) && [[ -d "$driver" ]]; then
        if use_driver "$driver"; then
          say "WebGPU: Mesa's software Vulkan driver from $driver ($(du -sh "$driver" | cut -f1))"
        else
          say "warning: WebGPU does not open with $driver ($(tail -1 "$STAMPS/webgpu-probe.log")); the gpu backend uses headless-gl"
        fi
      else
        say "warning: no software Vulkan driver for WebGPU: ${driver:-fetch failed} (.setup/vulkan-fetch.log); the gpu backend uses headless-gl"
      fi
    fi
  fi
fi

# --- JupyterLab settings overrides: no news or update checks (this machine has no network to fetch them, and
# the pop-up would cover outputs in screenshots); widget state saved with the notebook, so a saved notebook
# shows its controls where they were left (the widget manager's default is off) ----------------------------------
mkdir -p "$VENV/share/jupyter/lab/settings"
cat > "$VENV/share/jupyter/lab/settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": { "fetchNews": "false", "checkForUpdates": false },
  "@jupyter-widgets/jupyterlab-manager:plugin": { "saveState": true }
}
JSON

# --- Kernelspec --------------------------------------------------------------------------------------------------
SPEC_DIR="$VENV/share/jupyter/kernels/convlab"
mkdir -p "$SPEC_DIR"
# As the wheel's kernelspec does, the kernel starts through launch.py (it checks for Node.js 20+ and shows
# what to install where it is missing), here with the repository's build and this set-up's Node.js.
cat > "$SPEC_DIR/kernel.json.new" <<JSON
{
  "argv": ["$VENV/bin/python", "$ROOT/kernel/python/kernelspec/launch.py", "--launcher", "$ROOT/kernel/dist/launcher.js", "{connection_file}"],
  "display_name": "TypeScript (ConvLab)",
  "language": "typescript",
  "interrupt_mode": "message",
  "env": { "CONVLAB_NODE": "$(command -v node)" },
  "metadata": { "debugger": false }
}
JSON
mv "$SPEC_DIR/kernel.json.new" "$SPEC_DIR/kernel.json"
cp kernel/python/kernelspec/logo-svg.svg "$SPEC_DIR/logo-svg.svg"
say "ready: kernelspec 'convlab' and extension 'convlab-extension' are installed in .venv"
