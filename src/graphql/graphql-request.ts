/**
 * The GraphQL-over-HTTP request as Apollo Server reads it (@apollo/server runHttpQuery), for the response cache,
 * which answers hits before Apollo runs: a hit must only ever be given to a request Apollo would have accepted,
 * in the media type Apollo would have chosen. Anything unusual is left to Apollo.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyRequest } from "fastify";
import Negotiator from "negotiator";

interface ApolloCsrf {
  /** Throws when Apollo's CSRF prevention refuses a request with these headers. */
  preventCsrf(headers: { get(name: string): string | undefined }, requestHeaders: readonly string[]): void;
  /** The headers `csrfPrevention: true` accepts as proof of a preflight. */
  recommendedCsrfPreventionRequestHeaders: readonly string[];
}

// Apollo's own CSRF check, which @apollo/server runs but does not export: loaded from beside its entry point,
// so that the response cache refuses exactly what Apollo refuses, with no copy of the rule to drift from it.
const { preventCsrf, recommendedCsrfPreventionRequestHeaders: PREFLIGHT_HEADERS } = (await import(
  new URL("./preventCsrf.js", import.meta.resolve("@apollo/server")).href
)) as ApolloCsrf;

/**
 * Whether Apollo's CSRF prevention (`csrfPrevention: true`) lets a request with these headers through: a
 * request a browser could send cross-site without a preflight is Apollo's to refuse, and a cache hit must not
 * answer it. Apollo's check parses the content type; its answer is remembered for the last header values seen,
 * so a steady client costs a few string comparisons (one check per registration of the hooks).
 */
export function apolloCsrfCheck(): (headers: IncomingHttpHeaders) => boolean {
  let lastContentType: string | undefined;
  const lastPreflight: (string | undefined)[] = PREFLIGHT_HEADERS.map(() => undefined);
  let lastPasses: boolean | undefined;
  return (headers) => {
    const contentType = headerValue(headers, "content-type");
    let same = lastPasses !== undefined && contentType === lastContentType;
    for (let i = 0; same && i < PREFLIGHT_HEADERS.length; i++) {
      same = headerValue(headers, PREFLIGHT_HEADERS[i]) === lastPreflight[i];
    }
    if (same) return lastPasses!;
    lastContentType = contentType;
    PREFLIGHT_HEADERS.forEach((name, i) => (lastPreflight[i] = headerValue(headers, name)));
    try {
      preventCsrf({ get: (name) => headerValue(headers, name) }, PREFLIGHT_HEADERS);
      lastPasses = true;
    } catch {
      lastPasses = false;
    }
    return lastPasses;
  };
}

/** A header as Apollo's Fastify integration hands it to Apollo: repeated values joined, empty ones absent. */
function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (!value) return undefined;
  return Array.isArray(value) ? value.join(", ") : value;
}

export interface CacheableOperation {
  query: string;
  operationName: string;
  variables: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  Boolean(value) && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value);
const isAbsent = (value: unknown) => value === undefined || value === null;

function parsedRecord(text: unknown): Record<string, unknown> | undefined | false {
  if (text === undefined) return undefined;
  if (typeof text !== "string") return false; // repeated in the query string: Apollo refuses it
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : false;
  } catch {
    return false;
  }
}

/**
 * The query, operation name and variables of a well-formed GET or POST that carries a query text and no
 * extensions (persisted queries and other extensions are Apollo's to check); undefined for anything else.
 */
export function cacheableOperation(req: FastifyRequest): CacheableOperation | undefined {
  let query: unknown;
  let operationName: unknown;
  let variables: unknown;
  let extensions: unknown;
  if (req.method === "POST") {
    if (!isRecord(req.body)) return undefined;
    ({ query, operationName, variables, extensions } = req.body);
  } else if (req.method === "GET") {
    const contentType = req.headers["content-type"];
    if (contentType !== undefined && contentType.split(";")[0].trim().toLowerCase() !== "application/json")
      return undefined;
    const params = req.query as Record<string, unknown>;
    ({ query, operationName } = params);
    const parsed = parsedRecord(params.variables);
    const parsedExtensions = parsedRecord(params.extensions);
    if (parsed === false || parsedExtensions === false) return undefined;
    variables = parsed;
    extensions = parsedExtensions;
  } else return undefined;
  if (typeof query !== "string" || query === "") return undefined;
  if (!isAbsent(operationName) && typeof operationName !== "string") return undefined;
  if (!isAbsent(variables) && !isRecord(variables)) return undefined;
  if (!isAbsent(extensions) && !(isRecord(extensions) && Object.keys(extensions).length === 0))
    return undefined;
  return {
    query,
    operationName: (operationName as string | null | undefined) ?? "",
    variables: (variables as Record<string, unknown> | null | undefined) ?? {},
  };
}

const JSON_TYPE = "application/json; charset=utf-8";
const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8";
const CALLBACK_TYPE = "application/json; callbackSpec=1.0; charset=utf-8";

/**
 * The content type Apollo would answer a single result with, given the request's Accept header; undefined when
 * Apollo would refuse (406) or answer in a form the cache does not store.
 */
export function negotiatedContentType(req: FastifyRequest): string | undefined {
  const accept = req.headers.accept;
  if (!accept) return JSON_TYPE;
  const preferred = new Negotiator({ headers: { accept } }).mediaType([
    JSON_TYPE,
    GRAPHQL_RESPONSE_TYPE,
    CALLBACK_TYPE,
  ]);
  return preferred === JSON_TYPE || preferred === GRAPHQL_RESPONSE_TYPE ? preferred : undefined;
}
