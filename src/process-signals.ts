import type { Logger } from "pino";

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits with the code it resolves to (the entry points of
 * the API and the CDC worker).
 */
export function exitOnStopSignal(logger: Logger, stop: () => Promise<number>): void {
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "signal received");
    const code = await stop();
    logger.flush();
    process.exit(code);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
