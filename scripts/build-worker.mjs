#!/usr/bin/env node
/**
 * The worker for production (`npm run build`, then `npm run worker`): workers/index.ts and the app code it
 * uses, compiled to one JavaScript file, build/worker.js, that `node` runs as is (no TypeScript runner in a
 * production process). Packages stay in node_modules; the Prisma clients are loaded at run time from
 * ../prisma/generated, which is the same path from build/ as from app/ (app/db.server.ts).
 */
import { build } from "esbuild";

await build({
  entryPoints: ["workers/index.ts"],
  outfile: "build/worker.js",
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node24",
  sourcemap: true,
  logLevel: "warning",
});
