#!/usr/bin/env node
// The browser draw time for `npm run bench`: the figures test/e2e/display-speed.test.ts wrote to
// .setup/display-speed.json (Shift+Enter → a [1,64,56,56] conv result drawn in JupyterLab and Chromium, a page
// turn of its channels, the payload's bytes), as medians, and which run they come from.
//
//   node test/bench/display-speed.cjs [RUN]   RUN: the CONVLAB_BENCH_RUN this run gave the e2e test (run.sh)
'use strict';

const { readFileSync } = require('node:fs');
const path = require('node:path');

const FIGURES = path.join(__dirname, '..', '..', '.setup', 'display-speed.json');
const thisRun = process.argv[2];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

let f;
try {
  f = JSON.parse(readFileSync(FIGURES, 'utf8'));
} catch (error) {
  console.log(`browser draw time: no figures (${error.code === 'ENOENT' ? `${FIGURES} is missing` : error.message}); ` +
    'the e2e test test/e2e/display-speed.test.ts writes them');
  process.exit(0);
}
const ms = (values) => `${median(values).toFixed(0)} ms`;
const written = `written ${f.at}${f.run ? `, bench run ${f.run}` : ', outside npm run bench'}`;
const from = thisRun === undefined
  ? `the e2e run ${written}`
  : f.run === thisRun
    ? `this run's e2e test (written ${f.at})`
    : `an EARLIER run (${written}): this run's e2e test wrote none`;
console.log(`browser draw time — ${f.browser}, ${f.cores} cores, from ${from}`);
console.log(`  cell \`${f.cell}\` → ${JSON.stringify(f.result)} result; medians of ${f.runs} runs after a warm-up`);
console.log(`  Shift+Enter → view drawn (data-rendered)  ${ms(f.shiftEnterToDrawnMs).padStart(8)}   next frame ${ms(f.shiftEnterToFrameMs)}   ` +
  `(issue 15's target ≤ 600 ms; first run ${f.warmUp.shiftEnterToDrawnMs.toFixed(0)} ms)`);
console.log(`    of which: result message in the page ${ms(f.shiftEnterToMessageMs)}, the view's own draw (data-draw-ms) ${ms(f.drawMs)}`);
console.log(`  page turn → redrawn                       ${ms(f.pageTurnMs).padStart(8)}   next frame ${ms(f.pageTurnFrameMs)}   ` +
  `(target ≤ 150 ms; the view's own ${ms(f.pageTurnDrawMs)})`);
console.log(`  payload ${f.payloadBytes} bytes (the bundle's data, JSON in UTF-8; message ${f.messageBytes} bytes; limit 1000000)`);
