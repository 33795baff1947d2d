/**
 * The app's admin block extensions, as Shopify admin knows them from `shopify app deploy`: read from
 * `extensions/<handle>/shopify.extension.toml`. Only what the sandbox needs to render a block is read (`name`,
 * `handle`, `api_version`, and each `[[extensions.targeting]]`'s `module` and `target`), with a reader for the
 * flat `key = "string"` lines these files use; anything else in them is ignored.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const EXTENSIONS_DIR = fileURLToPath(new URL("../../../extensions/", import.meta.url));

/** The customer details page's block target (the one the sandbox's customer page renders). */
export const CUSTOMER_DETAILS_BLOCK = "admin.customer-details.block.render";

export type AdminBlock = {
  handle: string;
  /** The extension's name ("APSIS One sync"), which Shopify shows when the merchant adds the block. */
  name: string;
  apiVersion: string;
  target: string;
  /** The module's absolute path. */
  module: string;
};

/** The blocks of one shopify.extension.toml (its folder is `dir`). */
export function parseExtensionToml(text: string, dir: string): AdminBlock[] {
  const blocks: AdminBlock[] = [];
  let apiVersion = "";
  let extension: { name: string; handle: string } | null = null;
  let targeting: { module?: string; target?: string } | null = null;
  const finishTargeting = () => {
    if (extension && targeting?.module && targeting.target) {
      blocks.push({ ...extension, apiVersion, target: targeting.target, module: join(dir, targeting.module) });
    }
    targeting = null;
  };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    if (line === "[[extensions]]") {
      finishTargeting();
      extension = { name: "", handle: "" };
      continue;
    }
    if (line === "[[extensions.targeting]]") {
      finishTargeting();
      targeting = {};
      continue;
    }
    if (line.startsWith("[")) {
      finishTargeting();
      continue;
    }
    const pair = /^([\w-]+)\s*=\s*"([^"]*)"$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair;
    if (targeting && (key === "module" || key === "target")) targeting[key] = value;
    else if (extension && (key === "name" || key === "handle")) extension[key] = value;
    else if (!extension && key === "api_version") apiVersion = value;
  }
  finishTargeting();
  return blocks;
}

let cached: AdminBlock[] | undefined;

/** Every block of the app's extensions for the target, read once. */
export function adminBlocks(target: string): AdminBlock[] {
  cached ??= existsSync(EXTENSIONS_DIR)
    ? readdirSync(EXTENSIONS_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(EXTENSIONS_DIR, entry.name, "shopify.extension.toml")))
        .flatMap((entry) => parseExtensionToml(readFileSync(join(EXTENSIONS_DIR, entry.name, "shopify.extension.toml"), "utf8"), join(EXTENSIONS_DIR, entry.name)))
    : [];
  return cached.filter((block) => block.target === target);
}
