/** pydantic v2 (lax mode) checks for the legacy bodies, answering with FastAPI's error entries. */
import type { ValidationIssue } from "./legacy-errors.js";

export type Body = Record<string, unknown>;

/** The body a parser could not read as JSON: FastAPI answered `json_invalid`. */
export class InvalidJsonBody {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {}
}

/** Issues for a body that must be a JSON object (a pydantic model), or the object itself. */
export function modelBody(body: unknown): { issues: ValidationIssue[]; body?: Body } {
  if (body instanceof InvalidJsonBody) {
    return {
      issues: [
        {
          type: "json_invalid",
          loc: ["body", body.position],
          msg: "JSON decode error",
          input: {},
          ctx: { error: body.reason },
        },
      ],
    };
  }
  if (body === undefined || body === null || body === "") {
    return { issues: [{ type: "missing", loc: ["body"], msg: "Field required", input: null }] };
  }
  if (typeof body !== "object" || Array.isArray(body) || Buffer.isBuffer(body)) {
    return {
      issues: [
        {
          type: "model_attributes_type",
          loc: ["body"],
          msg: "Input should be a valid dictionary or object to extract fields from",
          input: Buffer.isBuffer(body) ? body.toString("utf8") : body,
        },
      ],
    };
  }
  return { issues: [], body: body as Body };
}

function missing(field: string, input: unknown): ValidationIssue {
  return { type: "missing", loc: ["body", field], msg: "Field required", input };
}

/** A required or optional `str` field of a JSON model. */
export function stringField(body: Body, field: string, issues: ValidationIssue[], fallback?: string) {
  if (!(field in body)) {
    if (fallback === undefined) issues.push(missing(field, body));
    return fallback;
  }
  return asString(body[field], field, issues);
}

/** pydantic's `str` check: the value, or a `string_type` issue. */
function asString(value: unknown, field: string, issues: ValidationIssue[]): string | undefined {
  if (typeof value === "string") return value;
  issues.push({
    type: "string_type",
    loc: ["body", field],
    msg: "Input should be a valid string",
    input: value,
  });
  return undefined;
}

/** An optional `int | None` field: integers, integral floats, numeric strings and booleans pass. */
export function optionalIntField(
  body: Body,
  field: string,
  issues: ValidationIssue[],
): bigint | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return null;
  const loc = ["body", field];
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number") {
    if (Number.isInteger(value)) return BigInt(value);
    issues.push({
      type: "int_from_float",
      loc,
      msg: "Input should be a valid integer, got a number with a fractional part",
      input: value,
    });
    return undefined;
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (/^[+-]?\d+$/.test(text)) return BigInt(text);
    issues.push({
      type: "int_parsing",
      loc,
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: value,
    });
    return undefined;
  }
  issues.push({ type: "int_type", loc, msg: "Input should be a valid integer", input: value });
  return undefined;
}

/** A form field: an absent or empty value is `missing` with input null (FastAPI's Form behaviour). */
export function formField(body: Body, field: string, issues: ValidationIssue[], required: boolean) {
  const value = body[field];
  const text = Array.isArray(value) ? value.at(-1) : value;
  if (text === undefined || text === null || text === "") {
    if (required) issues.push({ type: "missing", loc: ["body", field], msg: "Field required", input: null });
    return undefined;
  }
  return asString(text, field, issues);
}
