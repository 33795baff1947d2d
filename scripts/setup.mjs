#!/usr/bin/env node
/**
 * Idempotent set-up shared by `npm run demo` and `npm test`, in plain Node (it runs before
 * dependencies exist): install dependencies when package-lock.json changed, generate both Prisma
 * clients, and fetch Shopify's Admin schema. Each step does nothing when already done.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node ${process.versions.node} is too old: this app needs Node 20.19 or newer.`);
  process.exit(1);
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });
// node_modules/.setup-lock-hash remembers which package-lock.json the last install came from.
const stamp = "node_modules/.setup-lock-hash";
const lockHash = createHash("sha256").update(readFileSync("package-lock.json")).digest("hex");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lockHash) {
  // `npm install` against the committed lock, not `npm ci`: see docs/decisions/011-npm-install-from-the-lock.md.
  console.log("setup: installing dependencies from package-lock.json (the first time compiles better-sqlite3, about a minute)");
  run("npm", ["install", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, lockHash);
}
run("node_modules/.bin/tsx", ["scripts/db.ts", "generate"]);
run("node_modules/.bin/tsx", ["scripts/fetch-shopify-schema.ts"]);
