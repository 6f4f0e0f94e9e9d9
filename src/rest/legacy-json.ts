/**
 * JSON exactly as the legacy FastAPI service wrote it: compact, UTF-8 (no \u escapes), keys in insertion
 * order, Python float notation for prices (28.0) and naive UTC datetimes without fractions.
 */

/** A number the legacy service sent as a Python float: 28 is written 28.0. */
export class PyFloat {
  constructor(readonly value: number) {}
}

function pyFloat(n: number): string {
  const text = String(n);
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

export function legacyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) return pyFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(legacyJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${legacyJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `2024-11-18T07:22:51`: ISO 8601 in UTC without offset or fraction. */
export function legacyDateTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
