// Imported first by every entry point, before the config is read and before graphql loads.
import { existsSync } from "node:fs";

// A .env file in the working directory (made from .env.example) fills in what the environment leaves unset.
if (existsSync(".env")) process.loadEnvFile(".env");

// With NODE_ENV=production graphql-js skips its development-only checks (a cross-realm test on every
// `instanceof`, a large share of execution time), as the Docker image already ensures. ENVIRONMENT=production
// implies it when NODE_ENV is not set.
if (process.env.ENVIRONMENT?.trim().toLowerCase() === "production") process.env.NODE_ENV ??= "production";
