import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

/**
 * Two kinds of tests: `unit` (pure modules and deployment files: no MariaDB, Redis or build needed) and
 * `services` (everything that runs the app on the machine's MariaDB and Redis: the global setup creates the
 * run's database and Redis prefix and builds dist/ first). `npx vitest run --project unit` needs no services.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: "es6" } })],
  resolve: {
    // Without this vitest loads graphql twice (index.mjs and index.js) and custom scalars break.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    setupFiles: ["tests/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["tests/unit/**/*.test.ts", "tests/deploy/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "services",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/unit/**", "tests/deploy/**"],
          globalSetup: ["tests/global-setup.ts"],
        },
      },
    ],
  },
});
