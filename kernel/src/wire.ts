/**
 * The Jupyter wire protocol as both of the kernel's threads speak it (host.ts on the main thread: shell,
 * iopub; control.ts on its own thread: control, heartbeat): checking a message's signature (HMAC in constant
 * time, replays refused), validating every frame before anything reads it, and signing what goes out.
 * Pure Node: no sockets, no tslab.
 *
 * A message is `[identities…, '<IDS|MSG>', signature, header, parent_header, metadata, content, buffers…]`;
 * anything else, or any of the four JSON frames that is not a JSON object (a header without string `msg_id`
 * and `msg_type`), is refused with the reason, and the caller drops it: a client that sends junk gets no
 * answer, and the kernel goes on serving the next message.
 */
import * as crypto from 'crypto';

export const DELIMITER = Buffer.from('<IDS|MSG>');
export const PROTOCOL_VERSION = '5.3';
/** Signatures already seen; a message replayed with one of them is refused (as jupyter_client's Session does). */
const MAX_REMEMBERED_SIGNATURES = 10_000;

/** A message header as the kernel reads it: `msg_id` and `msg_type` are checked to be strings. */
export type Header = Record<string, unknown> & { msg_id: string; msg_type: string; session: string };

/** A parsed, verified, validated wire message. */
export interface Message {
  identities: Buffer[];
  header: Header;
  parent: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  /** The binary frames after the content (comm messages carry array data there, e.g. widget state). */
  buffers: Buffer[];
}

/** What the connection file says about signing. */
export interface SigningInfo {
  key: string;
  signature_scheme?: string;
}

/** Signs and verifies messages with the connection file's key (`hmac-sha256` by default). */
export class Signer {
  private readonly algorithm: string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly key: string,
    scheme: string,
  ) {
    this.algorithm = scheme.replace(/^hmac-/, '');
    // A scheme Node cannot compute would drop every message in silence: refuse it at start-up instead.
    if (!/^hmac-/.test(scheme) || !crypto.getHashes().includes(this.algorithm)) {
      throw new Error(`the connection file's signature_scheme ${JSON.stringify(scheme)} is not an HMAC that Node.js supports`);
    }
  }

  sign(parts: readonly string[]): string {
    if (!this.key) return '';
    const hmac = crypto.createHmac(this.algorithm, this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  /** Why the frames must be refused, or `undefined` when their signature is right and new. */
  check(signature: string, parts: readonly Buffer[]): string | undefined {
    if (!this.key) return undefined;
    const hmac = crypto.createHmac(this.algorithm, this.key);
    for (const part of parts.slice(0, 4)) hmac.update(part);
    const want = Buffer.from(hmac.digest('hex'));
    const got = Buffer.from(signature);
    // timingSafeEqual needs equal lengths; a length mismatch says nothing about the key.
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return 'invalid signature';
    if (this.seen.has(signature)) return 'replayed signature';
    this.seen.add(signature);
    if (this.seen.size > MAX_REMEMBERED_SIGNATURES) this.seen.delete(this.seen.values().next().value as string);
    return undefined;
  }
}

/** A message the kernel refuses; `message` says why (for the kernel's log). */
export class RefusedMessage extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Splits, verifies and validates raw frames; throws {@link RefusedMessage} saying why a message is refused.
 * @example parseMessage([Buffer.from('<IDS|MSG>'), sig, header, parent, metadata, content], signer).header.msg_type
 */
export function parseMessage(frames: readonly Buffer[], signer: Signer): Message {
  const delimiter = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (delimiter < 0) throw new RefusedMessage('no <IDS|MSG> delimiter');
  if (frames.length < delimiter + 6) throw new RefusedMessage(`${frames.length - delimiter - 1} frames after the delimiter, expected at least 5`);
  const parts = frames.slice(delimiter + 2);
  const refused = signer.check(frames[delimiter + 1]!.toString(), parts);
  if (refused) throw new RefusedMessage(refused);
  const names = ['header', 'parent_header', 'metadata', 'content'] as const;
  const [header, parent, metadata, content] = names.map((name, i) => {
    let value: unknown;
    try {
      value = JSON.parse(parts[i]!.toString('utf8'));
    } catch {
      throw new RefusedMessage(`${name} is not JSON`);
    }
    if (!isRecord(value)) throw new RefusedMessage(`${name} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, expected a JSON object`);
    return value;
  }) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  for (const field of ['msg_id', 'msg_type'] as const) {
    if (typeof header[field] !== 'string' || header[field] === '') throw new RefusedMessage(`header.${field} is not a non-empty string`);
  }
  if (header['session'] !== undefined && typeof header['session'] !== 'string') throw new RefusedMessage('header.session is not a string');
  return {
    identities: frames.slice(0, delimiter),
    header: { session: '', ...header } as Header,
    parent,
    metadata,
    content,
    buffers: parts.slice(4),
  };
}

/** The frames of one outgoing message, signed. */
export function messageFrames(
  signer: Signer,
  session: string,
  identities: readonly Buffer[],
  type: string,
  content: Record<string, unknown>,
  parent: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
  buffers: readonly Uint8Array[] = [],
): (Buffer | string)[] {
  const header = {
    msg_id: crypto.randomUUID(),
    session,
    username: 'convlab',
    date: new Date().toISOString(),
    msg_type: type,
    version: PROTOCOL_VERSION,
  };
  const parts = [header, parent, metadata, content].map((part) => JSON.stringify(part));
  // The signature covers the four JSON frames only (the protocol's rule); buffers follow unsigned.
  return [...identities, DELIMITER, signer.sign(parts), ...parts, ...buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
}
