/**
 * The X display headless-gl needs on Linux: an Xvfb of this process's own, started on first use and ended with
 * the process; and whether the display in use is an Xvfb (then Mesa's llvmpipe draws, not a GPU).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inNode } from './environment';

/** The display of the Xvfb this process started, if it did. */
let ownXvfb: string | undefined;

/**
 * Xvfb under a watchdog shell: the server lives exactly as long as the process that asked for it, even one
 * killed without running exit handlers (a kernel shut down, a test worker torn down). `-terminate` would not
 * do: it ends the server only after a client has come and gone, so a process that never made a GL context
 * left its Xvfb running for ever.
 */
// The shell watches its own parent pid (field 4 of /proc/$$/stat): it changes the moment the process dies, while
// `kill -0` would still find the dead process until its own parent reaps it.
const WATCHED_XVFB =
  'Xvfb "$@" & x=$!; while read -r _ _ _ p _ < /proc/$$/stat && [ "$p" = "$PPID" ] && kill -0 "$x" 2>/dev/null; ' +
  'do sleep 1; done; kill "$x" 2>/dev/null';

/**
 * headless-gl needs an X display on Linux. With none set, start Xvfb (installed by `setup.sh --gpu`) for the life
 * of this process, on a display number it picks itself. Sockets already in /tmp/.X11-unix are not trusted: a
 * server killed without cleaning up leaves its socket behind, and a context on it fails (seen in CI). Does
 * nothing when `gl` or Xvfb is not installed: gpu.js then picks a CPU mode anyway.
 */
export function ensureDisplay(): void {
  if (!inNode || process.platform !== 'linux' || process.env['DISPLAY']) return;
  try {
    require.resolve('gl');
  } catch {
    return;
  }
  const onPath = (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'Xvfb')));
  if (!onPath) return;
  // -displayfd: Xvfb chooses a free display and writes its number to that descriptor once it accepts
  // connections, so the file's content is both the answer and the readiness signal.
  const dir = mkdtempSync(join(tmpdir(), 'convlab-x-'));
  const answer = join(dir, 'display');
  const fd = openSync(answer, 'w');
  const args = ['-displayfd', '3', '-screen', '0', '64x64x24', '-nolisten', 'tcp'];
  // detached: the shell leads its own process group, so one signal at exit ends it and its Xvfb.
  const xvfb = spawn('sh', ['-c', WATCHED_XVFB, 'sh', ...args], { stdio: ['ignore', 'ignore', 'ignore', fd], detached: true });
  closeSync(fd);
  xvfb.on('error', () => undefined); // no shell: gl fails to make a context and gpu.js falls back
  xvfb.unref();
  process.on('exit', () => {
    try {
      if (xvfb.pid) process.kill(-xvfb.pid);
    } catch {
      // already gone
    }
  });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let display = '';
  for (let waited = 0; waited < 5000 && !display.endsWith('\n'); waited += 20) {
    Atomics.wait(pause, 0, 0, 20);
    display = readFileSync(answer, 'utf8');
  }
  rmSync(dir, { recursive: true, force: true });
  if (display.trim()) process.env['DISPLAY'] = ownXvfb = `:${display.trim()}`;
}

/** True when the X display `DISPLAY` names is served by Xvfb (ours, or found by its command line in /proc). */
export function displayIsXvfb(): boolean {
  const display = process.env['DISPLAY'] ?? '';
  if (display === ownXvfb) return true;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/Xvfb$/.test(args[0] ?? '') && args.includes(display)) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}
