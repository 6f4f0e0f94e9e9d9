/**
 * A bound on how deeply a JSON text nests. JSON.parse itself copes with deep nesting, but everything that later
 * walks the value recursively (variable coercion, key normalisation, the legacy serialiser, loggers) does not:
 * 5000 nested arrays were a stack overflow and a 500. Real requests nest a few levels.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  constructor(max = MAX_JSON_DEPTH) {
    super(`JSON nested deeper than ${max} levels`);
  }
}

/** True when `text` opens more than `max` arrays or objects inside each other (strings are skipped). */
export function jsonNestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
