import "reflect-metadata";
import { pino } from "pino";
import { loadConfigOrExit } from "./config.js";
import { loggerOptions } from "./observability/logger.js";
import { startServer } from "./server.js";

const config = loadConfigOrExit();
const logger = pino(loggerOptions(config));
try {
  const server = await startServer(config, logger);
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "signal received");
    const code = await server.shutdown();
    logger.flush();
    process.exit(code);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
