/**
 * The page side of browser-gpu.test.ts: runs the gpu backend's shared test bodies (test/unit/backends/gpu-cases.ts) on
 * the gpu backend and on the reference loops, and hands plain results back to the test.
 */
import * as lib from '../../kernel/src/index';
import { webgpuStatus } from '../../kernel/src/backends/gpu/backend';
import { gpuCases, nanPool, pipelineChain } from '../unit/backends/gpu-cases';

/** A tensor as the test gets it (NaN survives as null through JSON, so values travel as strings). */
export interface PageTensor {
  shape: number[];
  data: string[];
  device: string;
}

/** `device` first: reading `data` brings device values to the host. */
const plain = (t: lib.Tensor): PageTensor => {
  const device = t.device;
  return { shape: [...t.shape], data: Array.from(t.data, String), device };
};

const onBackend = <T>(name: 'cpu' | 'gpu', run: () => T): T => {
  lib.useBackend(name);
  return run();
};

const page = {
  labels: (): string[] => gpuCases.map(([label]) => label),
  environment: () => ({ mode: lib.gpuMode(), renderer: lib.gpuRenderer() ?? '', webgpu: webgpuStatus() }),
  /** One case on the reference loops and on the gpu backend, and the backend that ran the latter. */
  runCase(label: string) {
    const run = gpuCases.find(([name]) => name === label)![1];
    const want = plain(onBackend('cpu', run));
    const got = onBackend('gpu', run);
    return { want, got: plain(got), backend: lib.backend().name };
  },
  nanPool: (): PageTensor => plain(onBackend('gpu', nanPool)),
  /** The chain's results (read last-first, as the Node test does) and where each lived before reading. */
  pipeline() {
    const want = onBackend('cpu', pipelineChain).map(plain);
    const got = onBackend('gpu', pipelineChain);
    const devices = got.map((t) => t.device);
    return { want, got: [...got].reverse().map(plain).reverse(), devices };
  },
};

export type ConvLabPage = typeof page;
(globalThis as { convlabPage?: ConvLabPage }).convlabPage = page;
