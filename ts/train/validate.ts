/**
 * Validation helpers: every check names the option, says what it got and what it takes.
 * Options are validated once, into a config object that cannot be invalid.
 */
import { InvalidOptionError } from '../errors.js';

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return Object.prototype.toString.call(v);
  return String(v);
}

/** Levenshtein distance, for "did you mean" hints on misspelled options. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Rejects keys that are not options, suggesting the closest known name. */
export function rejectUnknown(given: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const best = known.map((k) => [k, distance(key, k)] as const).sort((a, b) => a[1] - b[1])[0];
    const hint = best && best[1] <= Math.max(2, key.length / 3) ? ` Did you mean '${best[0]}'?` : '';
    throw new InvalidOptionError(
      key,
      (given as Record<string, unknown>)[key],
      `unknown ${where} option '${key}'.${hint} Known options: ${known.join(', ')}`,
      'UNKNOWN_OPTION',
    );
  }
}

export function positiveInteger(name: string, v: unknown, allowInfinity = false): number {
  if (allowInfinity && v === Infinity) return v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InvalidOptionError(name, v, `${name} must be an integer ≥ 1${allowInfinity ? ' (or Infinity)' : ''}, got ${show(v)}`);
  }
  return v;
}

export function positiveFinite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidOptionError(name, v, `${name} must be a finite number > 0, got ${show(v)}`);
  }
  return v;
}

export function nonNegativeFinite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InvalidOptionError(name, v, `${name} must be a finite number ≥ 0, got ${show(v)}`);
  }
  return v;
}

export function boolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidOptionError(name, v, `${name} must be true or false, got ${show(v)}`);
  return v;
}

export function oneOf<T extends string>(name: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new InvalidOptionError(name, v, `${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

export function seed(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new InvalidOptionError(name, v, `${name} must be an integer from 0 to 4294967295, got ${show(v)}`);
  }
  return v;
}

export function plainObject(name: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InvalidOptionError(name, v, `${name} must be an object of options, got ${show(v)}`);
  }
  return v as Record<string, unknown>;
}
