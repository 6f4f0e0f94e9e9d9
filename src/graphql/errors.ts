import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { DomainError, InvalidInputError, RateLimitedError } from "../errors.js";

/**
 * Maps domain errors to `extensions.code` once for the whole API. Errors from Apollo and graphql-js
 * (parse, validation, variable coercion) keep their codes; anything else becomes a generic
 * INTERNAL_SERVER_ERROR whose details only reach the log.
 */
export function createFormatError(
  logger: FastifyBaseLogger,
  exposeStacktraces: boolean,
  hideSuggestions = false,
) {
  const format = formatError(logger, exposeStacktraces);
  if (!hideSuggestions) return format;
  // Apollo's DisableSuggestions covers validation only; variable coercion ("Field "usernam" is not defined by
  // type "RegisterInput". Did you mean "username"?") and enum parsing happen later and name the schema too.
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    return { ...result, message: result.message.replace(/ ?Did you mean [^?]*\?/g, "") };
  };
}

function formatError(logger: FastifyBaseLogger, exposeStacktraces: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      const extensions: Record<string, unknown> = { code: original.code };
      if (original instanceof InvalidInputError) extensions.field = original.field;
      if (original instanceof RateLimitedError) extensions.retryAfterSeconds = original.retryAfterSeconds;
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    // Errors graphql-js and Apollo raise about the request itself (parse, validation, coercion, persisted
    // queries) are safe to show; Apollo leaves some without a code: those are the client's fault too.
    const code = formatted.extensions?.code;
    const isRequestError = original instanceof GraphQLError && !original.originalError;
    if ((code && code !== "INTERNAL_SERVER_ERROR") || isRequestError) {
      const { stacktrace, ...extensions } = formatted.extensions ?? {};
      return {
        ...formatted,
        extensions: {
          ...extensions,
          code: code && code !== "INTERNAL_SERVER_ERROR" ? code : "BAD_REQUEST",
          ...(exposeStacktraces && stacktrace ? { stacktrace } : {}),
        },
      };
    }
    logger.error({ err: original }, "unexpected GraphQL error");
    return {
      message: "Internal server error",
      locations: formatted.locations,
      path: formatted.path,
      extensions: {
        code: "INTERNAL_SERVER_ERROR",
        ...(exposeStacktraces && formatted.extensions?.stacktrace
          ? { stacktrace: formatted.extensions.stacktrace }
          : {}),
      },
    };
  };
}

const HTTP_CODES: Record<number, string> = { 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };

/**
 * Failures on /graphql before Apollo runs (rate limit, body too large, unreadable JSON), answered in GraphQL's
 * error shape with the fitting HTTP status.
 */
export function graphqlHttpErrorHandler(
  error: FastifyError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const send = (status: number, message: string, code: string) =>
    reply.code(status).send({ errors: [{ message, extensions: { code } }] });
  if (error instanceof RateLimitedError) {
    reply.header("retry-after", String(error.retryAfterSeconds));
    return send(429, error.message, error.code);
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500)
    return send(status, error.message, HTTP_CODES[status] ?? "BAD_REQUEST");
  req.log.error({ err: error }, "graphql request failed");
  return send(500, "Internal server error", "INTERNAL_SERVER_ERROR");
}
