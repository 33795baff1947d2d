#!/usr/bin/env node
/**
 * Idempotent set-up shared by `npm run demo`, `npm test` and `npm run bench`, in plain Node (it runs before
 * dependencies exist): run under Node 24 (fetched from the npm registry when the machine's own is older,
 * scripts/node-runtime.mjs), install dependencies when package-lock.json or the Node ABI changed, generate both
 * Prisma clients and fetch Shopify's Admin schema; each step does nothing when already done. Then it runs the
 * command it was given, under the same Node:
 *
 *   node scripts/setup.mjs [command args…]
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { envFor, runUnder, supportedNode } from "./node-runtime.mjs";

const node = supportedNode();
if (node.fetched) {
  // Once, here: the same script again under Node 24, with it first on PATH for everything it starts.
  console.log(`setup: this machine's Node is ${process.versions.node}; running under Node ${node.version} from the npm registry (.cache/node)`);
  runUnder(node, node.execPath, process.argv.slice(1));
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit", env: envFor(node) });
// node_modules/.setup-lock-hash remembers which package-lock.json, and for which Node ABI, the last install came from.
const stamp = "node_modules/.setup-lock-hash";
const lockHash = createHash("sha256").update(readFileSync("package-lock.json")).digest("hex");
const installed = `${lockHash} abi ${process.versions.modules}`;
const previous = existsSync(stamp) ? readFileSync(stamp, "utf8") : null;
if (previous !== installed) {
  // `npm install` against the committed lock, not `npm ci`: see docs/decisions/011-npm-install-from-the-lock.md.
  console.log("setup: installing dependencies from package-lock.json (the first time compiles better-sqlite3, about a minute)");
  run("npm", ["install", "--no-audit", "--no-fund"]);
  // Installed before for another Node: npm keeps a module it already has, so the native one is rebuilt for this ABI.
  if (previous !== null && !previous.endsWith(` abi ${process.versions.modules}`)) run("npm", ["rebuild", "better-sqlite3"]);
  writeFileSync(stamp, installed);
}
run("node_modules/.bin/tsx", ["scripts/db.ts", "generate"]);
run("node_modules/.bin/tsx", ["scripts/fetch-shopify-schema.ts"]);

const [command, ...args] = process.argv.slice(2);
if (command) runUnder(node, command, args);
