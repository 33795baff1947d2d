#!/usr/bin/env node
/**
 * The Node.js this app runs on: 24 LTS (package.json engines). `supportedNode()` answers this process's own
 * Node when it is new enough, otherwise a Node 24 from the npm registry (the `node-linux-<arch>` package: the
 * binary and the headers native modules build against), unpacked once into .cache/node/<version>. Plain Node,
 * no dependencies: it runs before anything is installed (docs/decisions/029-node-24.md).
 *
 *   node scripts/node-runtime.mjs <command> [args…]   runs the command with that Node first on PATH
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REQUIRED_MAJOR = 24;
/** The Node fetched when the machine's own is older: a 24 LTS release the lock's native modules build for. */
export const FETCHED_NODE = "24.22.3";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** { execPath, binDir, version, fetched }: the Node to run under. */
export function supportedNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= REQUIRED_MAJOR) return { execPath: process.execPath, binDir: dirname(process.execPath), version: process.versions.node, fetched: false };
  if (process.platform !== "linux" || !["x64", "arm64"].includes(process.arch)) {
    throw new Error(`Node ${process.versions.node} is too old (this app needs ${REQUIRED_MAJOR}) and no Node ${REQUIRED_MAJOR} can be fetched for ${process.platform}-${process.arch}: install Node ${REQUIRED_MAJOR}.`);
  }
  const home = join(root, ".cache", "node", `${FETCHED_NODE}-${process.arch}`);
  const execPath = join(home, "bin", "node");
  if (!existsSync(execPath)) {
    // npm pack checks the tarball against the registry's integrity hash before writing it.
    const work = join(root, ".cache", "node", `.download-${process.pid}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    try {
      execFileSync("npm", ["pack", `node-linux-${process.arch}@${FETCHED_NODE}`, "--silent", "--pack-destination", work], { stdio: ["ignore", "ignore", "inherit"] });
      const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
      if (!tarball) throw new Error(`npm pack node-linux-${process.arch}@${FETCHED_NODE} wrote no tarball`);
      execFileSync("tar", ["-xzf", join(work, tarball), "-C", work]);
      rmSync(home, { recursive: true, force: true });
      renameSync(join(work, "package"), home);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { execPath, binDir: join(home, "bin"), version: FETCHED_NODE, fetched: true };
}

/** This environment with `node` first on PATH, and native modules built against its headers. */
export function envFor(node) {
  const env = { ...process.env, PATH: `${node.binDir}${delimiter}${process.env.PATH ?? ""}` };
  if (node.fetched) env.npm_config_nodedir = dirname(node.binDir);
  return env;
}

/** Runs the command under the Node; exits with its status. */
export function runUnder(node, command, args) {
  const result = spawnSync(command, args, { stdio: "inherit", env: envFor(node) });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error("usage: node scripts/node-runtime.mjs <command> [args…]");
    process.exit(2);
  }
  runUnder(supportedNode(), command, args);
}
