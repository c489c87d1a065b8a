/**
 * Numeric CSV tables with a header row, parsed by papaparse (quoting, CRLF, BOM), straight into a
 * flat Float32Array. One column is the target; the others are the features.
 */
import Papa from 'papaparse';
import type { Matrix } from './matrix.js';
import { InvalidDataError, InvalidOptionError } from '../errors.js';

export interface Table {
  readonly x: Matrix;
  readonly y: Float32Array;
  readonly featureNames: string[];
  readonly targetName: string;
}

export function parseCSV(text: string, options: { target: string; source?: string }): Table {
  const source = options.source ?? 'CSV';
  const parsed = Papa.parse<string[]>(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, { skipEmptyLines: true });
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0];
    throw new InvalidDataError('INVALID_DATA', `${source}: ${e.message} (line ${(e.row ?? 0) + 1})`, { argument: source, row: e.row });
  }
  const [header, ...body] = parsed.data;
  if (!header) throw new InvalidDataError('EMPTY_DATA', `${source} is empty`, { argument: source });
  if (body.length === 0) throw new InvalidDataError('EMPTY_DATA', `${source} has a header but no rows`, { argument: source });
  const t = header.indexOf(options.target);
  if (t < 0) {
    throw new InvalidOptionError('target', options.target, `${source} has no column ${JSON.stringify(options.target)}; its columns are ${header.join(', ')}`);
  }
  const cols = header.length - 1;
  const data = new Float32Array(body.length * cols);
  const y = new Float32Array(body.length);
  body.forEach((fields, r) => {
    const line = r + 2;
    if (fields.length !== header.length) {
      throw new InvalidDataError('SHAPE_MISMATCH', `${source} line ${line} has ${fields.length} fields, the header has ${header.length}`, { argument: source, row: r });
    }
    let k = 0;
    fields.forEach((field, c) => {
      const v = field.trim() === '' ? NaN : Number(field);
      if (!Number.isFinite(v)) {
        throw new InvalidDataError(
          'INVALID_DATA',
          `${source} line ${line}, column ${c + 1} (${header[c]}): ${JSON.stringify(field)} is not a finite number`,
          { argument: source, row: r, column: c },
        );
      }
      if (c === t) y[r] = v;
      else data[r * cols + k++] = v;
    });
  });
  return { x: { data, rows: body.length, cols }, y, featureNames: header.filter((_, c) => c !== t), targetName: options.target };
}
