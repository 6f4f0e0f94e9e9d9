import "reflect-metadata";
import "./environment.js";
import { pino } from "pino";
import { loadConfigOrExit } from "./config.js";
import { loggerOptions } from "./observability/logger.js";
import { exitOnStopSignal } from "./process-signals.js";
import { startServer } from "./server.js";

const config = loadConfigOrExit();
// Asynchronous, buffered writes: a request never waits for stdout, and lines leave in 4 KiB writes (one
// system call per ~20 access lines instead of one each), at least every second; pino flushes what is
// buffered when the process exits.
const logger = pino(
  loggerOptions(config),
  pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 }),
);
try {
  const server = await startServer(config, logger);
  exitOnStopSignal(logger, () => server.shutdown());
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
