import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

/**
 * Two kinds of tests: `unit` (pure modules and deployment files: no MariaDB, Redis or build needed) and
 * `services` (everything that runs the app on the machine's MariaDB and Redis: the global setup creates the
 * run's database and Redis prefix and builds dist/ first), plus `redis-cluster`, some `services` files again
 * on a private Redis Cluster. `npx vitest run --project unit` needs no services.
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
      // The cache, session, rate-limit and subscription tests again, on a private three-primary Redis Cluster
      // that the project's global setup starts (tests/global-setup.ts). Skip them with --project services.
      {
        extends: true,
        test: {
          name: "redis-cluster",
          include: [
            "tests/integration/cache.test.ts",
            "tests/integration/catalog-cache.test.ts",
            "tests/integration/signed-in.test.ts",
            "tests/integration/rate-limiter.test.ts",
            "tests/integration/subscriptions.test.ts",
          ],
          globalSetup: ["tests/global-setup.ts"],
          env: { TEST_REDIS_MODE: "cluster" },
        },
      },
    ],
  },
});
