import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [swc.vite({ module: { type: "es6" } })],
  resolve: {
    // Without this vitest loads graphql twice (index.mjs and index.js) and custom scalars break.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    globalSetup: ["tests/global-setup.ts"],
    setupFiles: ["tests/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: true,
    projects: [
      // Each project names its own files: with `extends: true` an `include` at the root would be added to both.
      { extends: true, test: { name: "main", include: ["tests/**/*.test.ts"] } },
      // The cache, session, rate-limit and subscription tests again, on a private three-primary Redis Cluster
      // that the project's global setup starts (tests/global-setup.ts). Skip them with --project main.
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
          env: { TEST_REDIS_MODE: "cluster" },
        },
      },
    ],
  },
});
