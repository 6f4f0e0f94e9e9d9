import type { ApolloServerPlugin } from "@apollo/server";
import { metrics } from "../observability/metrics.js";

// Operation names come from clients: keep the label set bounded (well-formed, and at most this many).
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_NAMES = 200;

/** The label of an operation name: the first MAX_NAMES well-formed names this plugin sees, then "other". */
function operationLabels(): (operationName: string | undefined | null) => string {
  const seen = new Set<string>();
  return (operationName) => {
    if (!operationName || !NAME.test(operationName)) return "anonymous";
    if (seen.has(operationName)) return operationName;
    if (seen.size >= MAX_NAMES) return "other";
    seen.add(operationName);
    return operationName;
  };
}

/** Operations by name/type/outcome, their duration, and errors by code. */
export function metricsPlugin(): ApolloServerPlugin {
  const label = operationLabels();
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            metrics.graphqlErrors.inc({ code: String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR") });
          }
        },
        async willSendResponse({ operation, operationName, errors, response }) {
          const name = label(operationName);
          const type = operation?.operation ?? "unknown";
          const failed =
            Boolean(errors?.length) ||
            (response.body.kind === "single" && Boolean(response.body.singleResult.errors));
          metrics.graphqlOperations.inc({ operation: name, type, outcome: failed ? "error" : "success" });
          metrics.graphqlDuration.observe(
            { operation: name, type },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
}
