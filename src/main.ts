import "reflect-metadata";
import "./environment.js";
import { pino } from "pino";
import { loadConfigOrExit } from "./config.js";
import { loggerOptions } from "./observability/logger.js";
import { exitOnStopSignal } from "./process-signals.js";
import { startServer } from "./server.js";

const config = loadConfigOrExit();
// Asynchronous writes: a request never waits for stdout; pino flushes what is buffered when the process exits.
const logger = pino(loggerOptions(config), pino.destination({ dest: 1, sync: false }));
try {
  const server = await startServer(config, logger);
  exitOnStopSignal(logger, () => server.shutdown());
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
