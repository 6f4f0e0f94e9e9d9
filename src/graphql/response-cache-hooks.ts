/**
 * The GraphQL adapter's side of the response cache (src/cache/response-cache.ts, which keys, keeps and marks
 * the answers): which queries may be answered from it, decided per document by src/graphql/cache-policy.ts:
 * - public documents (every field the same for every caller), shared by every caller with or without a
 *   token: a token changes nothing in their answer. Keyed by the normalised document, the operation name and
 *   the variables; tagged by the entities in the result (src/graphql/response-tags.apollo-plugin.ts).
 * - documents that read the caller's own data (me, cart, myOrders), per user, after the token was checked.
 * Mutations and anything touching other types are never cached.
 *
 * A hit is answered before Apollo runs, with the stored bytes as they are: parsing and re-serialising a large
 * menu was most of the cost of a warm request (bench/). It is only ever given to a request Apollo would have
 * accepted (src/graphql/graphql-request.ts). A miss runs Apollo, and an onSend hook stores the body it wrote.
 * A public hit is offered to the hot path (src/http/hot-path.ts), which answers its repeats before Fastify.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
} from "graphql";
import type { AccountsService } from "../accounts/accounts.service.js";
import { signedIn } from "../auth/request-identity.js";
import { offerToHotPath } from "../http/hot-path.js";
import { BoundedLru } from "../cache/lru.js";
import { canonicalJson, digestKey, type ResponseCache } from "../cache/response-cache.js";
import type { UserSnapshot } from "../cache/user-cache.js";
import { type DocumentScope, documentScope } from "./cache-policy.js";
import { stringHeapBytes } from "./document-memory.js";
import {
  apolloCsrfCheck,
  type CacheableOperation,
  cacheableOperation,
  negotiatedContentType,
} from "./graphql-request.js";

const SPACE = "graphql-response";

interface Verdict {
  scope: DocumentScope;
  /** The printed document when the operation may be cached, else null. */
  normalised: string | null;
  /** The cache key of the operation without variables (the common case: computed once). */
  plainKey: string | null;
  /** The parsed document when a hit of it must run the hit effects. */
  effects?: DocumentNode;
}

/** Work of the resolvers a hit skips that must happen on every read all the same (product views). */
export interface HitEffects {
  /** Whether a document has any: decided once per document, remembered with its verdict. */
  has(document: DocumentNode): boolean;
  /** Runs them for one hit of the document. */
  run(document: DocumentNode, operationName: string, variables: Record<string, unknown>): Promise<void>;
}

/** A public response being computed after a miss: its tags are collected while fields resolve. */
export interface PendingStore {
  key: string;
  seq: number;
  tags: Set<string>;
}

/** A cacheable request: its operation, the media type of its answer, its document's verdict and its key. */
interface Lookup {
  operation: CacheableOperation;
  contentType: string;
  verdict: Verdict;
  key: string;
}

interface PendingUserStore {
  snapshot: UserSnapshot;
  key: string;
}

declare module "fastify" {
  interface FastifyRequest {
    responseCache?: PendingStore;
    userResponseCache?: PendingUserStore;
  }
}

export interface ResponseCacheHooksOptions {
  responseCache: ResponseCache;
  accounts: AccountsService;
  schema: GraphQLSchema;
  maxTokens: number;
  /** Memory for remembered verdicts (which documents may be cached, and their printed form). */
  verdictBytes: number;
}

/** Registers the hooks on the GraphQL adapter; only called while response caching is on. */
export function registerResponseCache(
  app: FastifyInstance,
  { responseCache, accounts, schema, maxTokens, verdictBytes }: ResponseCacheHooksOptions,
  hitEffects: HitEffects,
): void {
  // Keyed by the operation name and the query text as sent (no hashing on the hot path); the memory bound
  // counts both.
  const verdicts = new BoundedLru<Verdict>(
    verdictBytes,
    // A parsed document kept for its hit effects counts as ten times its printed form.
    (verdict, key) =>
      stringHeapBytes(key) +
      (verdict.normalised ? stringHeapBytes(verdict.normalised) * (verdict.effects ? 11 : 1) + 128 : 0),
  );
  const keyOf = (normalised: string, operationName: string, variables: string) =>
    digestKey(`${normalised}\n${operationName}\n${variables}`);
  const passesCsrfCheck = apolloCsrfCheck();

  const verdictOf = (query: string, operationName: string): Verdict => {
    const id = `${operationName}\n${query}`;
    const known = verdicts.get(id);
    if (known) return known;
    let verdict: Verdict = { scope: "none", normalised: null, plainKey: null };
    try {
      const document = parse(query, { maxTokens, noLocation: true });
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = operationName
        ? operations.find((o) => o.name?.value === operationName)
        : operations[0];
      const scope = operation?.operation === "query" ? documentScope(schema, document) : "none";
      if (scope !== "none") {
        const normalised = print(document);
        verdict = {
          scope,
          normalised,
          plainKey: keyOf(normalised, operationName, canonicalJson({})),
          effects: hitEffects.has(document) ? document : undefined,
        };
      }
    } catch {
      // Unparseable: Apollo answers it; nothing to cache.
    }
    verdicts.set(id, verdict);
    return verdict;
  };

  /** What a request may be answered from, decided without waiting; undefined when it is not cacheable. */
  const lookupOf = (req: FastifyRequest): Lookup | undefined => {
    if (req.routeOptions.url !== "/graphql" || !passesCsrfCheck(req.headers)) return undefined;
    const operation = cacheableOperation(req);
    const contentType = operation && negotiatedContentType(req);
    if (!operation || !contentType) return undefined;
    const verdict = verdictOf(operation.query, operation.operationName);
    if (verdict.normalised === null) return undefined;
    const variables = canonicalJson(operation.variables);
    const key =
      variables === "{}" ? verdict.plainKey! : keyOf(verdict.normalised, operation.operationName, variables);
    return { operation, contentType, verdict, key };
  };

  /** A public answer with no hit effects: the same for every request of it, answerable without waiting. */
  const sameForEveryRequest = ({ scope, effects }: Verdict) => scope === "public" && !effects;

  const answer = (
    reply: FastifyReply,
    { contentType, verdict, key }: Lookup,
    bytes: Buffer | string,
  ): void => {
    if (sameForEveryRequest(verdict)) offerToHotPath(reply.request, { space: SPACE, key });
    responseCache.hit(reply.code(200).type(contentType).header("vary", "Accept")).send(bytes);
  };

  /**
   * The lookups that wait (on Redis, on the token's check, on a hit's effects); resolves to whether it
   * answered. After a miss the request carries what the onSend hook needs to store the answer.
   */
  const lookUp = async (req: FastifyRequest, reply: FastifyReply, lookup: Lookup): Promise<boolean> => {
    const { verdict, key, operation } = lookup;
    let bytes: Buffer | string | undefined;
    if (verdict.scope === "user") {
      if (!req.headers.authorization) return false;
      // A bad token is Apollo's to answer (UNAUTHENTICATED); the check is memoised for it.
      const session = await signedIn(accounts, req).catch(() => null);
      if (!session?.snapshot) return false;
      bytes = responseCache.peekUser(session.snapshot, SPACE, key);
      if (bytes === undefined) req.userResponseCache = { snapshot: session.snapshot, key };
    } else {
      const found = await responseCache.peek(SPACE, key);
      if (found?.hit) bytes = found.bytes;
      else if (found) req.responseCache = { key, seq: found.seq, tags: new Set() };
    }
    if (bytes === undefined) return false;
    if (verdict.effects) await hitEffects.run(verdict.effects, operation.operationName, operation.variables);
    answer(reply, lookup, bytes);
    return true;
  };

  // Callback hooks, not async ones: the common hit (a public answer this process holds and knows is fresh)
  // is sent without a single promise.
  app.addHook("preHandler", (req, reply, done) => {
    const lookup = lookupOf(req);
    if (!lookup) return done();
    const held = sameForEveryRequest(lookup.verdict) ? responseCache.peekHeld(SPACE, lookup.key) : undefined;
    if (held) return answer(reply, lookup, held);
    lookUp(req, reply, lookup).then((answered) => answered || done(), done);
  });

  app.addHook("onSend", (req, reply, payload, done) => {
    const pending = req.responseCache;
    const pendingUser = req.userResponseCache;
    // Set after a lookup missed only: a hit was answered before.
    if (!pending && !pendingUser) return done(null, payload);
    responseCache.miss(reply).header("vary", "Accept");
    // Only complete answers: no errors anywhere in the body.
    if (reply.statusCode !== 200 || typeof payload !== "string" || payload.includes('"errors":'))
      return done(null, payload);
    if (pendingUser) {
      responseCache.storeUser(pendingUser.snapshot, SPACE, pendingUser.key, payload);
      return done(null, payload);
    }
    responseCache
      .store(SPACE, pending!.key, pending!.seq, payload, [...pending!.tags])
      .then(() => done(null, payload), done);
  });
}
