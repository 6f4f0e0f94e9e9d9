/** Rules for free text that any domain accepts from clients (names, descriptions, bios). */
import { InvalidInputError } from "../errors.js";

// C0/C1 control characters except tab and newline.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** At most `max` characters (code points, not UTF-16 units) and no control characters but tab and newline. */
export function checkText(value: string, field: string, max: number): string {
  if ([...value].length > max)
    throw new InvalidInputError(field, `${field} must be at most ${max} characters`);
  if (CONTROL.test(value)) throw new InvalidInputError(field, `${field} must not contain control characters`);
  return value;
}
