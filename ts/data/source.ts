/**
 * Where text comes from: every kind of source a user may hand to the CSV loaders, read as a
 * sequence of decoded text chunks, pulled one at a time (so that a slow consumer slows the read,
 * and memory stays bounded by the chunk size).
 *
 * A string is CSV text when it contains a line break, and a file path otherwise: a path never
 * holds a line break, and even a one-row CSV ends with one when written by a program. Text with no
 * line break (a header alone, say) can be passed as `{ text: '…' }`, which is always text.
 */
import { InvalidDataError, MinibatchError } from '../errors.js';
import { show } from './encoders.js';
import { nodeBuiltin } from '../runtime.js';

/** A source that can be read once (a stream, a Response). */
export type OneShotSource = ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string> | Response;

/**
 * A CSV source: a file path or URL (file: read with node:fs in Node and Deno; http(s): fetched),
 * `{ text }` or a string with a line break (CSV text), a `Blob`/`File`, a `Response`, a web
 * `ReadableStream`, a Node `Readable` or any async iterable of bytes or strings, or a function that
 * opens one of these (which lets a stream source be read again, epoch after epoch).
 */
export type CSVSource = CSVSourceOnce | (() => CSVSourceOnce | Promise<CSVSourceOnce>);
/** One CSV source as such (see CSVSource). */
export type CSVSourceOnce = string | URL | { readonly text: string } | Blob | OneShotSource;

/** Bytes read at a time from files; text sources are cut into pieces of this many characters. */
export const READ_CHUNK = 1 << 16;

const isBlob = (s: unknown): s is Blob => typeof Blob !== 'undefined' && s instanceof Blob;
const isResponse = (s: unknown): s is Response => typeof Response !== 'undefined' && s instanceof Response;
const isReadableStream = (s: unknown): s is ReadableStream<Uint8Array | string> =>
  s !== null && typeof s === 'object' && typeof (s as ReadableStream).getReader === 'function';
const isAsyncIterable = (s: unknown): s is AsyncIterable<Uint8Array | string> =>
  s !== null && typeof s === 'object' && typeof (s as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
const isTextObject = (s: unknown): s is { text: string } =>
  s !== null && typeof s === 'object' && typeof (s as { text?: unknown }).text === 'string' && !isResponse(s) && !isBlob(s);

/** A name for messages: the path, the URL, the file name, or what kind of source it is. */
export function describeSource(source: unknown): string {
  if (typeof source === 'string') return /[\r\n]/.test(source) ? 'CSV text' : source;
  if (source instanceof URL) return source.protocol === 'file:' ? decodeURIComponent(source.pathname) : source.href;
  if (isTextObject(source)) return 'CSV text';
  if (typeof File !== 'undefined' && source instanceof File) return source.name || 'File';
  if (isBlob(source)) return 'Blob';
  if (isResponse(source)) return source.url || 'Response';
  if (typeof source === 'function') return 'the source function';
  return 'stream';
}

/** Can this source be read more than once? (Streams and Responses are consumed by reading.) */
export function isReopenable(source: CSVSource): boolean {
  return typeof source === 'string' || source instanceof URL || isTextObject(source) || isBlob(source) || typeof source === 'function';
}

/** Throws a typed error now, at the call, for a value that is no kind of source. */
export function checkSource(source: unknown): asserts source is CSVSource {
  const ok =
    typeof source === 'string' ||
    source instanceof URL ||
    isTextObject(source) ||
    isBlob(source) ||
    isResponse(source) ||
    isReadableStream(source) ||
    isAsyncIterable(source) ||
    typeof source === 'function';
  if (!ok) {
    throw new InvalidDataError(
      'INVALID_DATA',
      `the CSV source must be a file path, a URL, CSV text, { text }, a Blob or File, a Response, a ReadableStream, a Node Readable or a function returning one, got ${show(source)}`,
      { argument: 'source' },
    );
  }
}

function readFailed(name: string, message: string, cause?: unknown): InvalidDataError {
  return new InvalidDataError('READ_FAILED', `${name}: ${message}`, { argument: 'source', ...(cause === undefined ? {} : { cause }) });
}

/**
 * The text of a source, chunk by chunk. A byte-order mark is dropped; bytes are decoded as UTF-8
 * (invalid UTF-8 is an error, not replacement characters in the data). Errors of the source
 * itself (a missing file, a failing stream) are thrown as they come: the caller knows how far
 * the reading got and says so.
 */
export async function* textChunks(source: CSVSource, name: string): AsyncGenerator<string, void, undefined> {
  if (typeof source === 'function') {
    let opened: CSVSourceOnce;
    try {
      opened = await source();
    } catch (e) {
      if (e instanceof MinibatchError) throw e;
      throw readFailed(name, `the source function failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
    if (typeof opened === 'function') throw readFailed(name, 'the source function returned a function, not a source');
    checkSource(opened);
    yield* textChunks(opened, name);
    return;
  }
  if (typeof source === 'string' && /[\r\n]/.test(source)) {
    yield* sliceText(source);
    return;
  }
  if (isTextObject(source)) {
    yield* sliceText(source.text);
    return;
  }
  if (typeof source === 'string' || source instanceof URL) {
    if (source instanceof URL && source.protocol !== 'file:') {
      let response: Response;
      try {
        response = await fetch(source);
      } catch (e) {
        throw readFailed(name, `fetching failed: ${(e as Error)?.message ?? String(e)}`, e);
      }
      yield* decode(responseBody(response, name), name);
      return;
    }
    yield* decode(await fileBytes(source, name), name);
    return;
  }
  if (isBlob(source)) {
    yield* decode(streamChunks(source.stream()), name);
    return;
  }
  if (isResponse(source)) {
    yield* decode(responseBody(source, name), name);
    return;
  }
  if (isReadableStream(source)) {
    if (source.locked) throw readFailed(name, 'the ReadableStream is locked (already being read)');
    yield* decode(streamChunks(source), name);
    return;
  }
  yield* decode(source as AsyncIterable<Uint8Array | string>, name);
}

export function* sliceText(text: string): Generator<string> {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i += READ_CHUNK) yield text.slice(i, i + READ_CHUNK);
}

async function* responseBody(response: Response, name: string): AsyncGenerator<Uint8Array | string> {
  if (!response.ok) throw readFailed(name, `the HTTP response has status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  if (response.bodyUsed) throw readFailed(name, 'the Response body was already read');
  if (response.body) yield* streamChunks(response.body);
}

/** Reads a web ReadableStream with a reader (async iteration of ReadableStream is missing in Safari). */
async function* streamChunks(stream: ReadableStream<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // Stopped early (an error in the data, or the consumer stopped): tell the producer.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** A file through node:fs streams, imported only when a path is given (there is none in browsers). */
async function fileBytes(path: string | URL, name: string): Promise<AsyncIterable<Uint8Array>> {
  let fs: typeof import('node:fs');
  try {
    fs = await nodeBuiltin<typeof import('node:fs')>('node:fs');
  } catch (e) {
    throw readFailed(
      name,
      'file paths can be read in Node and Deno only; in a browser pass a File, Blob, Response or the text (strings with no line break are taken as paths; wrap text as { text })',
      e,
    );
  }
  const stream = fs.createReadStream(path, { highWaterMark: READ_CHUNK });
  // Open now, so that a missing file fails here with a clear message.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  }).catch((e: NodeJS.ErrnoException) => {
    stream.destroy();
    const why =
      e.code === 'ENOENT'
        ? `no such file${typeof path === 'string' && !/\.[a-z0-9]+$/i.test(path) ? ' (a string with no line break is read as a path; pass CSV text as { text })' : ''}`
        : e.code === 'EISDIR'
          ? 'is a directory, not a file'
          : e.code === 'EACCES'
            ? 'permission denied'
            : (e.message ?? String(e));
    throw readFailed(name, why, e);
  });
  return stream;
}

async function* decode(chunks: AsyncIterable<Uint8Array | string>, name: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let bytes = 0;
  for await (const chunk of chunks) {
    let text: string;
    if (typeof chunk === 'string') {
      text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    } else if (chunk instanceof Uint8Array) {
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch (e) {
        throw readFailed(name, `is not valid UTF-8 text (at or after byte ${bytes})`, e);
      }
      bytes += chunk.length;
    } else {
      throw readFailed(name, `the stream gave ${show(chunk)}: it must give Uint8Array bytes or strings`);
    }
    first = false;
    if (text.length > 0) yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch (e) {
    throw readFailed(name, 'ends in the middle of a UTF-8 character', e);
  }
  if (rest.length > 0) yield rest;
}
