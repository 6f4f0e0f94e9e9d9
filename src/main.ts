import "reflect-metadata";
import "./environment.js";
import { pino } from "pino";
import { loadConfigOrExit } from "./config.js";
import { batchedLogDestination } from "./observability/log-destination.js";
import { loggerOptions } from "./observability/logger.js";
import { exitOnStopSignal } from "./process-signals.js";
import { startServer } from "./server.js";

const config = loadConfigOrExit();
const logger = pino(loggerOptions(config), batchedLogDestination());
try {
  const server = await startServer(config, logger);
  exitOnStopSignal(logger, () => server.shutdown());
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
