/**
 * kernel/src/comm.ts: comms opened from either side, what each sends, and what a frontend's bad messages do.
 * (The real kernel's comm traffic is tested in test/kernel/test_widgets.py and test_inspector.py.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commInfo, openComm, receiveComm, registerCommTarget, setCommTransport, type CommTransport } from '../../../kernel/src/comm';

interface Sent {
  type: string;
  content: Record<string, unknown>;
  metadata: Record<string, unknown>;
  buffers: readonly Uint8Array[];
}

let sent: Sent[];
let previous: CommTransport | undefined;
beforeEach(() => {
  sent = [];
  previous = setCommTransport({ send: (type, content, metadata, buffers) => void sent.push({ type, content, metadata, buffers }) });
});
afterEach(() => {
  setCommTransport(previous);
});

describe('comms the kernel opens', () => {
  it('sends comm_open with its target, data, metadata and buffers, then comm_msg and comm_close', () => {
    const buffer = new Uint8Array([1, 2, 3]);
    const comm = openComm('jupyter.widget', { state: { value: 3 } }, { version: '2.1.0' }, [buffer]);
    expect(comm.id).toMatch(/^[0-9a-f]{32}$/);
    expect(sent[0]).toEqual({
      type: 'comm_open',
      content: { comm_id: comm.id, target_name: 'jupyter.widget', data: { state: { value: 3 } } },
      metadata: { version: '2.1.0' },
      buffers: [buffer],
    });
    expect(commInfo('jupyter.widget')[comm.id]).toEqual({ target_name: 'jupyter.widget' });
    comm.send({ method: 'update', state: { value: 4 } });
    expect(sent[1]).toMatchObject({ type: 'comm_msg', content: { comm_id: comm.id, data: { method: 'update', state: { value: 4 } } } });
    comm.close();
    expect(sent[2]).toMatchObject({ type: 'comm_close', content: { comm_id: comm.id, data: {} } });
    // Closed: gone from comm_info, and sends nothing more.
    expect(commInfo()[comm.id]).toBeUndefined();
    comm.send({ late: true });
    comm.close();
    expect(sent).toHaveLength(3);
  });

  it('hands the frontend messages on its comm to its handlers, and runs the close handlers when the frontend closes it', () => {
    const comm = openComm('t');
    const got: unknown[] = [];
    comm.onMessage((m) => got.push(m.data));
    comm.onClose((m) => got.push(['closed', m.data]));
    receiveComm('comm_msg', { comm_id: comm.id, data: { a: 1 } }, {}, []);
    receiveComm('comm_close', { comm_id: comm.id, data: { why: 'bye' } }, {}, []);
    // After the close, messages for that id go nowhere.
    receiveComm('comm_msg', { comm_id: comm.id, data: { a: 2 } }, {}, []);
    expect(got).toEqual([{ a: 1 }, ['closed', { why: 'bye' }]]);
    expect(comm.closed).toBe(true);
  });
});

describe('comms a frontend opens', () => {
  it('runs the target handler with the open message, and the comm answers on the same id', () => {
    const unregister = registerCommTarget('echo', (comm, open) => {
      comm.send({ opened: open.data });
      comm.onMessage((m) => comm.send({ echo: m.data, buffers: m.buffers.length }));
    });
    try {
      receiveComm('comm_open', { comm_id: 'c1', target_name: 'echo', data: { hello: 1 } }, {}, []);
      receiveComm('comm_msg', { comm_id: 'c1', data: { x: 2 } }, {}, [new Uint8Array(4)]);
      expect(sent.map((s) => [s.type, s.content])).toEqual([
        ['comm_msg', { comm_id: 'c1', data: { opened: { hello: 1 } } }],
        ['comm_msg', { comm_id: 'c1', data: { echo: { x: 2 }, buffers: 1 } }],
      ]);
      expect(commInfo('echo')).toEqual({ c1: { target_name: 'echo' } });
    } finally {
      unregister();
      receiveComm('comm_close', { comm_id: 'c1', data: {} }, {}, []);
    }
  });

  it('answers an open to a target nobody registered with comm_close, as ipykernel does', () => {
    receiveComm('comm_open', { comm_id: 'c2', target_name: 'nobody', data: {} }, {}, []);
    expect(sent).toEqual([{ type: 'comm_close', content: { comm_id: 'c2', data: {} }, metadata: {}, buffers: [] }]);
    expect(commInfo()['c2']).toBeUndefined();
  });

  it('closes a comm whose target handler throws, and says why to the caller', () => {
    const unregister = registerCommTarget('broken', () => {
      throw new Error('cannot set up');
    });
    try {
      expect(() => receiveComm('comm_open', { comm_id: 'c4', target_name: 'broken', data: {} }, {}, [])).toThrow('cannot set up');
      expect(sent).toEqual([{ type: 'comm_close', content: { comm_id: 'c4', data: {} }, metadata: {}, buffers: [] }]);
      expect(commInfo()['c4']).toBeUndefined();
    } finally {
      unregister();
    }
  });

  it('ignores malformed messages: no id, a non-object data, an unknown comm', () => {
    const seen: unknown[] = [];
    const unregister = registerCommTarget('t2', (comm, open) => {
      seen.push(open.data);
      comm.onMessage((m) => seen.push(m.data));
    });
    try {
      receiveComm('comm_open', { target_name: 't2', data: {} }, {}, []);
      receiveComm('comm_open', { comm_id: 'c3', target_name: 't2', data: 'not an object' }, {}, []);
      receiveComm('comm_msg', { comm_id: 'c3', data: [1, 2] }, {}, []);
      receiveComm('comm_msg', { comm_id: 'unknown', data: {} }, {}, []);
      receiveComm('comm_close', { comm_id: 'unknown' }, {}, []);
      // The open without an id ran nothing; data that is not an object arrives as {}.
      expect(seen).toEqual([{}, {}]);
      // A second open with an id in use does not replace the first comm.
      receiveComm('comm_open', { comm_id: 'c3', target_name: 't2', data: { again: true } }, {}, []);
      expect(seen).toEqual([{}, {}]);
    } finally {
      unregister();
      receiveComm('comm_close', { comm_id: 'c3', data: {} }, {}, []);
    }
  });
});
