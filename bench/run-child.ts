import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs one bench child (the app side) on a fresh, migrated SQLite database with the given environment, and
 * returns the JSON object it prints last. The child's own peak memory is what it reports.
 */
export async function runChild(script: string, extraEnv: Record<string, string>): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: `file:${join(dir, "bench.sqlite")}`,
      SHOPIFY_APP_URL: "http://127.0.0.1:9",
      CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      ...extraEnv,
    };
    const migrate = spawn("node_modules/.bin/tsx", ["scripts/db.ts", "migrate"], { env, stdio: "ignore" });
    if ((await new Promise((resolve) => migrate.once("exit", resolve))) !== 0) throw new Error("could not migrate the bench database");
    const child = spawn("node_modules/.bin/tsx", [script], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`${script} exited ${code}: ${out}`);
    return JSON.parse(out.trim().split("\n").pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
