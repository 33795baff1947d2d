/**
 * Puts Shopify's real Admin GraphQL schema (introspection JSON, API 2026-07) at
 * .cache/shopify/admin_2026-07.json, taken from the npm package @shopify/dev-mcp@1.16.0 (ISC),
 * which ships it. Not a dependency (the package is heavy): `npm pack` fetches the tarball once.
 * Idempotent: does nothing when the file is there.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export const ADMIN_SCHEMA_PATH = ".cache/shopify/admin_2026-07.json";
const PACKAGE = "@shopify/dev-mcp@1.16.0";
const MEMBER = "package/dist/data/admin_2026-07.json.gz";

export function ensureAdminSchema(): string {
  if (existsSync(ADMIN_SCHEMA_PATH)) return ADMIN_SCHEMA_PATH;
  const dir = mkdtempSync(join(tmpdir(), "shopify-schema-"));
  try {
    const tarball = execFileSync("npm", ["pack", PACKAGE, "--silent", "--pack-destination", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim().split("\n").pop()!;
    execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir, MEMBER]);
    const json = gunzipSync(readFileSync(join(dir, MEMBER))).toString("utf8");
    if (!JSON.parse(json).data?.__schema) throw new Error(`${MEMBER} is not an introspection result`);
    mkdirSync(".cache/shopify", { recursive: true });
    writeFileSync(ADMIN_SCHEMA_PATH, json);
    return ADMIN_SCHEMA_PATH;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureAdminSchema());
}
