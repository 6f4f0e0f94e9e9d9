/**
 * GraphQL subscriptions over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) at /graphql, the path
 * HTTP uses: an upgrade request is taken here, every other request goes to Fastify as before.
 *
 * - Sign-in: `connectionParams.authorization` ("Bearer <token>", or the bare token) is checked like an HTTP
 *   request's header (AccountsService.authenticate). Every open socket is checked again when the revocation
 *   watcher reports its user (within about a quarter of a second of a logout/logoutAll/password change made
 *   on any replica), every `recheckMs`, and when its token expires.
 * - Limits: sockets per client address (the upgrade is answered 429) and per user, subscriptions per socket,
 *   message size, queued events per subscription and unsent bytes per socket (a slow consumer is closed),
 *   ping every `keepAliveMs` (no pong by the next ping: the socket is dropped).
 * - Only subscriptions run here; queries and mutations go over HTTP, with its caches and limits.
 *
 * Close codes are listed in CLOSE and in docs/subscriptions.md.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { clientIpOf } from "../http/client-ip.js";
import {
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { SignedIn } from "../accounts/accounts.service.js";
import type { Config } from "../config.js";
import { UnauthenticatedError } from "../errors.js";
import { createFormatError } from "../graphql/errors.js";
import { checkLimits } from "../graphql/limits.js";
import type { Services } from "../services.js";
import { subscriptionMetrics as m } from "./metrics.js";

/** Close codes this server uses (beside graphql-ws's own 44xx and WebSocket's 1001/1009). */
export const CLOSE = {
  /** No token, or a bad, revoked or expired one (at connection_init or later). */
  UNAUTHORIZED: CloseCode.Unauthorized,
  /** The user's role changed while connected: reconnect to get the new one. */
  SESSION_CHANGED: 4402,
  /** The user already has WS_MAX_SOCKETS_PER_USER sockets open. */
  TOO_MANY_SOCKETS: 4420,
  /** The client did not read its events: WS_MAX_QUEUED_EVENTS or WS_MAX_BUFFERED_BYTES was reached. */
  SLOW_CONSUMER: 4430,
  /** The replica is shutting down: reconnect (to another one). */
  GOING_AWAY: 1001,
} as const;

/** What a subscription resolver gets as its context. */
export interface SocketContext {
  services: Services;
  /** The socket's current sign-in (renewed by each re-check). */
  session(): SignedIn;
  /** Closes the socket as a slow consumer. */
  overflow(): void;
  maxQueuedEvents: number;
}

interface SocketState {
  ip: string;
  token?: string;
  session?: SignedIn;
  expiry?: NodeJS.Timeout;
  closed: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function tokenOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const raw = params?.authorization ?? params?.Authorization ?? params?.token;
  if (typeof raw !== "string") return undefined;
  const token = raw.replace(/^Bearer\s+/i, "").trim();
  return token.length > 0 ? token : undefined;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export interface SubscriptionServer {
  /** Sockets by user id, for tests and metrics. */
  socketsOf(userId: number): number;
  /** Checks every open socket of the user again (a revocation was seen). */
  recheckUser(userId: number): void;
  /** Checks every open socket again. */
  recheckAll(): void;
}

export function registerSubscriptions(
  app: FastifyInstance,
  { schema, services, config }: { schema: GraphQLSchema; services: Services; config: Config },
): SubscriptionServer {
  const limits = config.subscriptions;
  const documentLimits = config.graphqlLimits;
  const formatError = createFormatError(app.log, config.environment === "development");
  const clientIp = clientIpOf(config.http.trustProxy);

  const states = new Map<WebSocket, SocketState>();
  const perIp = new Map<string, number>();
  const perUser = new Map<number, Set<WebSocket>>();
  let closing = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    handleProtocols: (protocols) => handleProtocols(protocols),
  });

  const close = (socket: WebSocket, code: number, reason: string, dropped?: string) => {
    const state = states.get(socket);
    if (!state || state.closed) return;
    state.closed = true;
    if (dropped) m.consumersDropped.inc({ reason: dropped });
    socket.close(code, reason);
    // A peer that does not answer the close handshake is cut off.
    setTimeout(() => socket.terminate(), 5_000).unref();
  };

  const forget = (socket: WebSocket) => {
    const state = states.get(socket);
    if (!state) return;
    states.delete(socket);
    clearTimeout(state.expiry);
    const left = (perIp.get(state.ip) ?? 1) - 1;
    if (left > 0) perIp.set(state.ip, left);
    else perIp.delete(state.ip);
    const userId = state.session?.user.id;
    if (userId !== undefined) {
      const sockets = perUser.get(userId);
      sockets?.delete(socket);
      if (sockets?.size === 0) perUser.delete(userId);
    }
    m.socketsOpen.dec();
  };

  const scheduleExpiry = (socket: WebSocket, state: SocketState) => {
    clearTimeout(state.expiry);
    const expiresAt = state.session?.claims.expiresAt;
    if (!expiresAt) return;
    const ms = expiresAt.getTime() - Date.now();
    state.expiry = setTimeout(
      () =>
        ms > MAX_TIMER_MS
          ? scheduleExpiry(socket, state)
          : close(socket, CLOSE.UNAUTHORIZED, "token expired", "expired"),
      Math.max(0, Math.min(ms, MAX_TIMER_MS)),
    ).unref();
  };

  /** Checks the socket's token again; closes the socket when it no longer signs anyone in. */
  const recheck = async (socket: WebSocket) => {
    const state = states.get(socket);
    if (!state?.token || !state.session || state.closed) return;
    try {
      const session = await services.accounts.authenticate(state.token);
      if (session.user.role !== state.session.user.role) {
        close(socket, CLOSE.SESSION_CHANGED, "your role changed: reconnect", "session_changed");
        return;
      }
      state.session = session;
    } catch (err) {
      if (err instanceof UnauthenticatedError) {
        close(socket, CLOSE.UNAUTHORIZED, "token revoked or expired", "revoked");
      } else {
        // MySQL or Redis trouble: keep the socket and check again on the next round.
        app.log.warn({ err }, "could not re-check a WebSocket session");
      }
    }
  };

  const recheckTimer = setInterval(() => {
    for (const socket of states.keys()) void recheck(socket);
  }, limits.recheckMs).unref();

  serve(
    app,
    wss,
    {
      schema,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const state = states.get(socket);
        if (!state) return false;
        const token = tokenOf(ctx.connectionParams);
        if (!token) {
          m.rejected.inc({ reason: "unauthenticated" });
          close(socket, CLOSE.UNAUTHORIZED, "sign in: connectionParams.authorization = 'Bearer <token>'");
          return false;
        }
        let session: SignedIn;
        try {
          session = await services.accounts.authenticate(token);
        } catch (err) {
          if (!(err instanceof UnauthenticatedError)) throw err;
          m.rejected.inc({ reason: "unauthenticated" });
          close(socket, CLOSE.UNAUTHORIZED, "invalid, expired or revoked token");
          return false;
        }
        // The client may have gone while its token was checked: it must not count against the user.
        if (state.closed || !states.has(socket)) return false;
        const sockets = perUser.get(session.user.id) ?? new Set<WebSocket>();
        if (sockets.size >= limits.maxSocketsPerUser) {
          m.rejected.inc({ reason: "user_limit" });
          close(socket, CLOSE.TOO_MANY_SOCKETS, `at most ${limits.maxSocketsPerUser} sockets per user`);
          return false;
        }
        sockets.add(socket);
        perUser.set(session.user.id, sockets);
        state.token = token;
        state.session = session;
        scheduleExpiry(socket, state);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const socket = ctx.extra.socket;
        const state = states.get(socket);
        if (!state?.session) return [new GraphQLError("not signed in")];
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
          m.rejected.inc({ reason: "subscription_limit" });
          return [
            new GraphQLError(`at most ${limits.maxSubscriptionsPerSocket} subscriptions per socket`, {
              extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
            }),
          ];
        }
        if (Buffer.byteLength(payload.query) > documentLimits.maxDocumentBytes) {
          return [
            new GraphQLError(`the document is above the limit of ${documentLimits.maxDocumentBytes} bytes`, {
              extensions: { code: "PAYLOAD_TOO_LARGE" },
            }),
          ];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: documentLimits.maxTokens });
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
        }
        // The limits first, so that a refused document never reaches the standard rules (src/graphql/limits.ts).
        const refused = checkLimits(schema, document, documentLimits);
        if (refused) return [refused];
        const errors = validate(schema, document, specifiedRules);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== "subscription") {
          return [
            new GraphQLError("only subscriptions run over WebSocket: send queries and mutations over HTTP", {
              extensions: { code: "BAD_REQUEST" },
            }),
          ];
        }
        const contextValue: SocketContext = {
          services,
          session: () => state.session!,
          overflow: () =>
            close(socket, CLOSE.SLOW_CONSUMER, "too slow: events were not read", "slow_consumer"),
          maxQueuedEvents: limits.maxQueuedEvents,
        };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) {
          close(ctx.extra.socket, CLOSE.SLOW_CONSUMER, "too slow: events were not read", "slow_consumer");
        }
        if (!result.errors) return;
        return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
      },
      onError: (_ctx, _id, _payload, errors): GraphQLFormattedError[] =>
        errors.map((e) => formatError(e.toJSON(), e)),
    },
    limits.keepAliveMs,
  );

  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/graphql") return refuseUpgrade(socket, 404, "Not Found");
    if (closing) {
      m.rejected.inc({ reason: "closing" });
      return refuseUpgrade(socket, 503, "Service Unavailable");
    }
    const ip = clientIp(req) ?? "unknown";
    const count = perIp.get(ip) ?? 0;
    if (count >= limits.maxSocketsPerIp) {
      m.rejected.inc({ reason: "ip_limit" });
      return refuseUpgrade(socket, 429, "Too Many Requests");
    }
    perIp.set(ip, count + 1);
    let accepted = false;
    socket.once("close", () => {
      if (!accepted) {
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left > 0) perIp.set(ip, left);
        else perIp.delete(ip);
      }
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      states.set(ws, { ip, closed: false });
      m.socketsOpen.inc();
      ws.once("close", () => forget(ws));
      wss.emit("connection", ws, req);
    });
  });

  // Upgraded sockets would hold the HTTP server's close open: they are told to go first.
  app.addHook("preClose", async () => {
    closing = true;
    clearInterval(recheckTimer);
    for (const socket of states.keys()) close(socket, CLOSE.GOING_AWAY, "server shutting down");
  });
  app.addHook("onClose", async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  const server: SubscriptionServer = {
    socketsOf: (userId) => perUser.get(userId)?.size ?? 0,
    recheckUser(userId) {
      for (const socket of perUser.get(userId) ?? []) void recheck(socket);
    },
    recheckAll() {
      for (const socket of states.keys()) void recheck(socket);
    },
  };
  services.revocations.listen({ evict: server.recheckUser, clear: server.recheckAll });
  return server;
}

interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/**
 * graphql-ws on a `ws` server (what graphql-ws/use/ws does, with errors logged through the app's logger instead
 * of the console): ping every `keepAliveMs`, and a socket that did not answer the previous ping is dropped.
 */
function serve(
  app: FastifyInstance,
  wss: WebSocketServer,
  options: ServerOptions<Record<string, unknown> | undefined, Extra>,
  keepAliveMs: number,
): void {
  const server = makeServer(options);
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    // ws closes the socket itself on a protocol error (1009 for a message above maxPayload).
    socket.on("error", (err) => app.log.debug({ err }, "WebSocket error"));
    let alive = true;
    socket.on("pong", () => (alive = true));
    const pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", (data: Buffer) => {
            handle(String(data)).catch((err: unknown) => {
              app.log.error({ err }, "graphql-ws message failed");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            });
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      clearInterval(pinger);
      void closed(code, String(reason));
    });
  });
}
