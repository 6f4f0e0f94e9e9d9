/**
 * The hot path: a request the app answered from the response cache, asked again, is answered before Fastify
 * sees it. A warm cached read spent half its CPU in Fastify's request lifecycle (routing, request and reply
 * objects, a per-request logger, hook chains) around a lookup that takes a few microseconds; here a repeat
 * costs about 1.3 times the CPU of the bare route of bench/ceiling.mjs (docs/benchmarks.md).
 *
 * Why a repeat gets the same answer Fastify would give:
 * - Identity. A repeat is the same method, URL and body with the same values of the headers a cached answer
 *   can depend on (VARYING_HEADERS: content negotiation, CSRF prevention, CORS). Nothing else changes a public
 *   cached answer on the Fastify path: a token sent with a public document changes nothing in it
 *   (src/graphql/response-cache-hooks.ts), and the legacy catalogue reads ignore it.
 * - Freshness. An entry names the response-cache entry its answer came from, and every repeat asks
 *   `peekHeld` again: the check the Fastify path's own hit makes. When it cannot say yes at once, Fastify
 *   answers (and remembers again).
 * - Headers. A repeat sends the headers the Fastify path sent (security headers, CORS, X-Cache, Vary...),
 *   except those that belong to one request (PER_REQUEST_HEADERS), which it makes anew.
 * - What every request gets on either path: the per-IP limit (the same counter; a refusal is left to Fastify,
 *   which answers 429 in the route's shape), the request id, the access-log line, the HTTP metrics, and the
 *   answer's own effect (a product page counts a view).
 * Anything else (a miss, a POST of unknown or large size, the server closing) goes to Fastify; a POST body
 * read here is handed to Fastify as it came. Off while response caching is off, and at debug log level.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { BoundedLru } from "../cache/lru.js";
import { clientIpOf } from "./client-ip.js";
import {
  type AccessLine,
  accessLogger,
  levelEnabled,
  roundedMs,
} from "../observability/access-log.plugin.js";
import { requestId } from "../observability/logger.js";
import { ABORTED_STATUS } from "../observability/http-metrics.plugin.js";
import { metrics } from "../observability/metrics.js";
import { perIpLimit } from "../security/http-hygiene.plugin.js";

/** What an adapter offers when it answers a public request from the response cache. */
export interface HotAnswer {
  space: string;
  key: string;
  /** Work every showing of the answer must do, done again by each repeat. */
  effect?: () => void;
}

declare module "fastify" {
  interface FastifyRequest {
    hotAnswer?: HotAnswer;
    /** The JSON body as text (set by the app's JSON parser). */
    jsonText?: string;
  }
}

/** Marks `req` as answered from the response cache: once answered with 200, its repeats may take the hot path. */
export function offerToHotPath(req: FastifyRequest, answer: HotAnswer): void {
  req.hotAnswer = answer;
}

/** The request headers a cached answer may depend on: part of a request's identity. */
const VARYING_HEADERS = [
  "content-type",
  "accept",
  "origin",
  "apollo-require-preflight",
  "x-apollo-operation-name",
];
/** Response headers of one request: never repeated, made anew (or by Node) for each. */
const PER_REQUEST_HEADERS = new Set([
  "x-request-id",
  "content-length",
  "connection",
  "keep-alive",
  "date",
  "transfer-encoding",
]);
/** A POST body is read here only when it declares at most this length (a menu query is about 200 bytes). */
const MAX_HOT_BODY_BYTES = 32 * 1024;
/** Distinct POST paths whose bodies are read here (there is one: /graphql, perhaps with a query string). */
const MAX_POST_PATHS = 64;
/** What an entry holds besides its identity: headers, labels, names. */
const ENTRY_BYTES = 1024;
const BUFFERED = Symbol("hot-path body");

type RawRequest = IncomingMessage & { [BUFFERED]?: Buffer };
type Next = (req: IncomingMessage, res: ServerResponse) => void;

interface Entry extends HotAnswer {
  method: string;
  route: string;
  /** The headers to repeat as one flat list of names and values (Node writes that form the fastest). */
  headers: string[];
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

export interface HotPathDeps {
  peekHeld(space: string, key: string): Buffer | undefined;
  /** Counts one request against the per-IP limit; throws when the address is over it. */
  countRequest(ip: string | undefined): void;
  clientIp(raw: IncomingMessage): string | undefined;
  logAccess?: (line: AccessLine) => void;
}

/** A request's identity: what decides a public cached answer on the Fastify path. */
function identityOf(raw: IncomingMessage, body: string | undefined): string {
  let id = `${raw.method} ${raw.url}`;
  for (const name of VARYING_HEADERS) {
    const value = raw.headers[name];
    id += value === undefined ? "\n" : `\n:${value}`;
  }
  return body === undefined ? id : `${id}\n\n${body}`;
}

const pathOf = (url = "") => {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
};

export class HotPath {
  private deps?: HotPathDeps;
  private readonly entries: BoundedLru<Entry>;
  /** The routes of the POST paths remembered: only their bodies are read here. */
  private readonly postRoutes = new Map<string, string>();

  constructor(maxBytes: number) {
    this.entries = new BoundedLru<Entry>(maxBytes, (_entry, id) => id.length * 2 + ENTRY_BYTES);
  }

  /** Fastify's `serverFactory`: the server Fastify would make (lib/server.js), with the hot path in front. */
  readonly serverFactory = (next: Next, options: Record<string, unknown>): http.Server => {
    const { keepAliveTimeout, requestTimeout, connectionTimeout, maxRequestsPerSocket } = options as Record<
      string,
      number
    >;
    const server = http.createServer((req, res) => this.handle(req, res, next));
    server.keepAliveTimeout = keepAliveTimeout;
    server.requestTimeout = requestTimeout;
    server.setTimeout(connectionTimeout);
    if (maxRequestsPerSocket > 0) server.maxRequestsPerSocket = maxRequestsPerSocket;
    return server;
  };

  start(deps: HotPathDeps): void {
    this.deps = deps;
  }

  /** Everything goes to Fastify from now on (the server is closing). */
  stop(): void {
    this.deps = undefined;
    this.entries.clear();
  }

  /** Remembers the answer the Fastify path just sent (status 200, `sent` its headers) for repeats of `raw`. */
  remember(
    raw: IncomingMessage,
    body: string | undefined,
    answer: HotAnswer,
    route: string,
    sent: Record<string, OutgoingHttpHeaders[string] | number>,
  ) {
    const method = raw.method!;
    if (!this.deps || !(method === "GET" || (method === "POST" && body !== undefined))) return;
    if (method === "POST") {
      const path = pathOf(raw.url);
      if (!this.postRoutes.has(path) && this.postRoutes.size >= MAX_POST_PATHS) return;
      this.postRoutes.set(path, route);
    }
    const headers: string[] = [];
    for (const [name, value] of Object.entries(sent)) {
      if (value === undefined || PER_REQUEST_HEADERS.has(name)) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
    }
    this.entries.set(identityOf(raw, body), {
      ...answer,
      method,
      route,
      headers,
      requests: metrics.httpRequests.labels(method, route, "200"),
      duration: metrics.httpDuration.labels(method, route),
    });
  }

  private handle(req: RawRequest, res: ServerResponse, next: Next): void {
    const deps = this.deps;
    if (!deps) return next(req, res);
    const started = performance.now();
    if (req.method === "GET") return this.answer(deps, req, res, next, undefined, started);
    const route = req.method === "POST" ? this.postRoutes.get(pathOf(req.url)) : undefined;
    const length = Number(req.headers["content-length"]);
    if (!route || !(length <= MAX_HOT_BODY_BYTES) || req.headers["transfer-encoding"] !== undefined)
      return next(req, res);
    // A small body usually comes in the same packet as the headers: once the parser has gone through the packet
    // (setImmediate: after this round of I/O) it holds all of it, taken in one read. Otherwise it is collected
    // as it arrives.
    setImmediate(() => {
      if (req.complete) this.answer(deps, req, res, next, req.read() ?? Buffer.alloc(0), started);
      else this.collect(deps, req, res, next, route, started);
    });
  }

  private collect(
    deps: HotPathDeps,
    req: RawRequest,
    res: ServerResponse,
    next: Next,
    route: string,
    started: number,
  ) {
    // A client that goes away mid-body (Node destroys the request with an error): counted as Fastify counts it
    // (src/observability/http-metrics.plugin.ts).
    const aborted = () => {
      metrics.httpRequests.inc({ method: "POST", route, status: ABORTED_STATUS });
      metrics.httpDuration.observe({ method: "POST", route }, (performance.now() - started) / 1000);
    };
    if (req.destroyed) return aborted();
    req.on("error", () => req.complete || aborted());
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      this.answer(deps, req, res, next, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), started),
    );
  }

  private answer(
    deps: HotPathDeps,
    req: RawRequest,
    res: ServerResponse,
    next: Next,
    body: Buffer | undefined,
    started: number,
  ) {
    const entry = this.entries.get(identityOf(req, body?.toString("utf8")));
    const bytes = entry && deps.peekHeld(entry.space, entry.key);
    if (bytes) {
      try {
        deps.countRequest(deps.clientIp(req));
      } catch {
        return this.pass(req, res, next, body); // refused: Fastify answers 429 in the route's own shape
      }
      entry!.effect?.();
      const id = requestId(req);
      res.writeHead(200, [...entry!.headers, "x-request-id", id, "content-length", String(bytes.length)]);
      res.end(bytes);
      const ms = performance.now() - started;
      entry!.requests.inc();
      entry!.duration.observe(ms / 1000);
      metrics.hotPathAnswers.inc();
      deps.logAccess?.({
        requestId: id,
        method: entry!.method,
        route: entry!.route,
        status: 200,
        ms: roundedMs(ms),
      });
      return;
    }
    this.pass(req, res, next, body);
  }

  private pass(req: RawRequest, res: ServerResponse, next: Next, body: Buffer | undefined): void {
    if (body) req[BUFFERED] = body;
    next(req, res);
  }
}

/**
 * Wires the hot path into the app (registered after the services): starts it while response caching is on,
 * hands bodies it read to Fastify's parsers, remembers what the adapters offered, and stops it on close.
 */
export const hotPathPlugin = fp<{ hotPath: HotPath }>(
  async (app, { hotPath }) => {
    const { services, deps } = app;
    if (!services.responseCache.enabled || levelEnabled(app.log, "debug")) return;
    hotPath.start({
      peekHeld: (space, key) => services.responseCache.peekHeld(space, key),
      countRequest: perIpLimit(deps.config, services.limiter),
      clientIp: clientIpOf(deps.config.http.trustProxy),
      logAccess: accessLogger(app.log),
    });
    app.addHook("preClose", async () => hotPath.stop());
    app.addHook("preParsing", (req, _reply, payload, done) => {
      const body = (req.raw as RawRequest)[BUFFERED];
      done(null, body ? Readable.from([body]) : payload);
    });
    app.addHook("onResponse", (req, reply, done) => {
      if (req.hotAnswer && reply.statusCode === 200 && req.routeOptions.url) {
        hotPath.remember(req.raw, req.jsonText, req.hotAnswer, req.routeOptions.url, reply.getHeaders());
      }
      done();
    });
  },
  { name: "hot-path" },
);
