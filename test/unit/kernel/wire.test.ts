/** The wire protocol both kernel threads speak (kernel/src/wire.ts): what is refused, and why, before anything reads it. */
import { describe, expect, it } from 'vitest';
import { messageFrames, parseMessage, RefusedMessage, Signer } from '../../../kernel/src/wire';

const KEY = 'secret';
const header = { msg_id: 'm1', msg_type: 'kernel_info_request', session: 's', username: 'u', version: '5.3', date: '' };

/** Frames of a message whose four JSON parts are given as raw text, signed with KEY. */
function frames(parts: string[], identities: string[] = ['client']): Buffer[] {
  const signature = new Signer(KEY, 'hmac-sha256').sign(parts);
  return [...identities, '<IDS|MSG>', signature, ...parts].map((part) => Buffer.from(part));
}

const refusal = (raw: Buffer[], signer = new Signer(KEY, 'hmac-sha256')): string => {
  try {
    parseMessage(raw, signer);
  } catch (error) {
    expect(error).toBeInstanceOf(RefusedMessage);
    return (error as Error).message;
  }
  throw new Error('the message was accepted');
};

describe('parseMessage', () => {
  it('accepts a signed, well-formed message and keeps its routing identities', () => {
    const message = parseMessage(frames([JSON.stringify(header), '{}', '{}', '{"code":"1"}']), new Signer(KEY, 'hmac-sha256'));
    expect(message.header.msg_type).toBe('kernel_info_request');
    expect(message.identities.map(String)).toEqual(['client']);
    expect(message.content).toEqual({ code: '1' });
  });

  it('refuses every frame that is not a JSON object, naming it', () => {
    expect(refusal(frames(['null', '{}', '{}', '{}']))).toBe('header is null, expected a JSON object');
    expect(refusal(frames(['[]', '{}', '{}', '{}']))).toBe('header is an array, expected a JSON object');
    expect(refusal(frames([JSON.stringify(header), '5', '{}', '{}']))).toBe('parent_header is number, expected a JSON object');
    expect(refusal(frames([JSON.stringify(header), '{}', '{}', '{oops']))).toBe('content is not JSON');
  });

  it('refuses a header without string msg_id and msg_type', () => {
    expect(refusal(frames([JSON.stringify({ ...header, msg_id: 5 }), '{}', '{}', '{}']))).toBe('header.msg_id is not a non-empty string');
    expect(refusal(frames([JSON.stringify({ ...header, msg_type: '' }), '{}', '{}', '{}']))).toBe('header.msg_type is not a non-empty string');
    expect(refusal(frames([JSON.stringify({ ...header, session: {} }), '{}', '{}', '{}']))).toBe('header.session is not a string');
  });

  it('refuses missing delimiters, missing parts, wrong and replayed signatures', () => {
    expect(refusal([Buffer.from('junk')])).toBe('no <IDS|MSG> delimiter');
    expect(refusal([Buffer.from('<IDS|MSG>'), Buffer.from('sig')])).toBe('1 frames after the delimiter, expected at least 5');
    const good = frames([JSON.stringify(header), '{}', '{}', '{}']);
    const forged = [...good];
    forged[2] = Buffer.from('0'.repeat(64));
    expect(refusal(forged)).toBe('invalid signature');
    const signer = new Signer(KEY, 'hmac-sha256');
    parseMessage(good, signer);
    expect(refusal(good, signer)).toBe('replayed signature');
  });

  it('checks no signature when the connection has no key (as jupyter_client allows)', () => {
    const raw = ['<IDS|MSG>', '', JSON.stringify(header), '{}', '{}', '{}'].map((part) => Buffer.from(part));
    expect(parseMessage(raw, new Signer('', 'hmac-sha256')).header.msg_id).toBe('m1');
  });
});

describe('messageFrames', () => {
  it('signs what it sends so that the receiving side accepts it', () => {
    const signer = new Signer(KEY, 'hmac-sha256');
    const out = messageFrames(signer, 'session', [Buffer.from('id')], 'status', { execution_state: 'idle' }, header);
    const back = parseMessage(out.map((part) => Buffer.from(part)), new Signer(KEY, 'hmac-sha256'));
    expect(back.header.msg_type).toBe('status');
    expect(back.parent).toEqual(header);
    expect(back.content).toEqual({ execution_state: 'idle' });
    expect(back.buffers).toEqual([]);
  });

  it('carries metadata and binary buffers (comm messages), signed over the four JSON frames only', () => {
    const signer = new Signer(KEY, 'hmac-sha256');
    const buffers = [new Uint8Array([0, 255, 7]), new Uint8Array(new Float32Array([1.5]).buffer)];
    const out = messageFrames(signer, 'session', [], 'comm_open', { comm_id: 'c' }, header, { version: '2.1.0' }, buffers);
    const back = parseMessage(out.map((part) => Buffer.from(part)), new Signer(KEY, 'hmac-sha256'));
    expect(back.metadata).toEqual({ version: '2.1.0' });
    expect(back.buffers.map((b) => [...b])).toEqual(buffers.map((b) => [...b]));
    // Changing a buffer does not break the signature (jupyter_client signs the JSON frames only) …
    const tampered = out.map((part) => Buffer.from(part));
    tampered[tampered.length - 1] = Buffer.from([9]);
    expect(parseMessage(tampered, new Signer(KEY, 'hmac-sha256')).buffers[1]).toEqual(Buffer.from([9]));
    // … while changing a JSON frame does.
    const forged = out.map((part) => Buffer.from(part));
    forged[4] = Buffer.from(JSON.stringify({ version: '9' }));
    expect(refusal(forged)).toBe('invalid signature');
  });
});

describe('Signer', () => {
  it('refuses, at start-up, a signature scheme it cannot compute', () => {
    expect(() => new Signer(KEY, 'hmac-nope')).toThrow(/signature_scheme "hmac-nope" is not an HMAC/);
    expect(() => new Signer(KEY, 'sha256')).toThrow(/not an HMAC/);
    expect(new Signer(KEY, 'hmac-sha512').sign(['a'])).toHaveLength(128);
  });
});
