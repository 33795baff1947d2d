/**
 * The layer order of app/ (docs/decisions/017-one-folder-per-destination.md, 019-destination-contract.md),
 * checked on every import:
 * a module imports only from its own layer or below, a destination never imports another destination, and a
 * pure module (no `.server` in its name) never imports a `.server` one. Route modules and the entry files are
 * the top and may import anything below them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

/** Lowest first. A path names a file, or a folder when it ends with "/"; a file is in the layer of the longest path naming it. */
export const LAYERS: { name: string; paths: string[] }[] = [
  { name: "foundation", paths: ["app/env.server.ts", "app/db.server.ts", "app/redis.server.ts", "app/load-context.ts", "app/utils/", "app/http/"] },
  { name: "models", paths: ["app/models/"] },
  { name: "platform", paths: ["app/shopify.server.ts", "app/shopify/", "app/queues/"] },
  { name: "shared", paths: ["app/runs/", "app/components/", "app/destinations/destination.ts"] },
  { name: "destinations", paths: ["app/destinations/"] },
  { name: "destinations index", paths: ["app/destinations/index.server.ts"] },
  { name: "cross-cutting", paths: ["app/services/", "app/jobs/"] },
  { name: "entry", paths: ["app/routes/", "app/root.tsx", "app/entry.server.tsx", "app/entry.client.tsx"] },
];

const SOURCE = /\.(ts|tsx)$/;
const TEST = /\.test\.tsx?$/;
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : SOURCE.test(path) && !TEST.test(path) ? [path] : [];
  });
}

/** The layer of the most specific path that names the file (the destinations' contract and index sit beside their folders). */
function layerOf(file: string): number {
  let best = { layer: -1, length: 0 };
  LAYERS.forEach(({ paths }, layer) => {
    for (const p of paths) {
      if ((p.endsWith("/") ? file.startsWith(p) : file === p) && p.length > best.length) best = { layer, length: p.length };
    }
  });
  return best.layer;
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  return [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((p) => p.startsWith("app/") && existsSync(p) && statSync(p).isFile());
}

/** The destination folder a file is in (the contract and the index beside the folders are in none). */
const destinationOf = (file: string) => (file.startsWith("app/destinations/") && file.split("/").length > 3 ? file.split("/")[2] : undefined);
const isServer = (file: string) => /\.server\.tsx?$/.test(file);
const isTop = (file: string) => layerOf(file) === LAYERS.length - 1;

function imports() {
  return walk("app").flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(IMPORT)].flatMap(([, spec]) => {
      const target = resolveImport(file, spec);
      return target ? [{ file, target }] : [];
    }),
  );
}

describe("app/ layers", () => {
  it("every module is in a layer", () => {
    expect(walk("app").filter((file) => layerOf(file) === -1)).toEqual([]);
  });

  it("no import climbs to a higher layer", () => {
    const climbs = imports()
      .filter(({ file, target }) => layerOf(target) > layerOf(file))
      .map(({ file, target }) => `${file} (${LAYERS[layerOf(file)].name}) → ${target} (${LAYERS[layerOf(target)].name})`);
    expect(climbs).toEqual([]);
  });

  it("no destination imports another", () => {
    const across = imports()
      .filter(({ file, target }) => destinationOf(file) && destinationOf(target) && destinationOf(file) !== destinationOf(target))
      .map(({ file, target }) => `${file} → ${target}`);
    expect(across).toEqual([]);
  });

  it("no pure module imports a .server one", () => {
    const leaks = imports()
      .filter(({ file, target }) => !isTop(file) && !isServer(file) && isServer(target))
      .map(({ file, target }) => `${file} → ${target}`);
    expect(leaks).toEqual([]);
  });

  it("reads the imports it checks (a reader that found none would pass everything)", () => {
    expect(imports().length).toBeGreaterThan(300);
  });
});
