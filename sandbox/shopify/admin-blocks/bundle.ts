/**
 * Bundles an admin block for the sandbox's admin: the extension's unchanged module (what Shopify CLI would bundle)
 * with the frame's runtime (runtime.ts) in one script, built once per block and kept in memory. Preact imports go
 * to React (preact-on-react.ts: the app has React, the extension's own dependencies are not installed);
 * `@shopify/ui-extensions/preact` to nothing (in Shopify's package it only hands the host Preact's Signal class,
 * which this host does not use). Any other import the extension adds must resolve from the app's node_modules.
 *
 * esbuild is the one @remix-run/dev (the app's build) brings; the sandbox is a development tool.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import type { AdminBlock } from "./extensions";

const require = createRequire(import.meta.url);
const RUNTIME = fileURLToPath(new URL("./runtime.ts", import.meta.url));
const PREACT_ON_REACT = fileURLToPath(new URL("./preact-on-react.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const PREACT_TO_REACT: Record<string, string> = {
  preact: PREACT_ON_REACT,
  "preact/hooks": require.resolve("react"),
  "preact/jsx-runtime": require.resolve("react/jsx-runtime"),
  "preact/jsx-dev-runtime": require.resolve("react/jsx-runtime"),
};

const preactOnReact: Plugin = {
  name: "preact-on-react",
  setup(build) {
    build.onResolve({ filter: /^preact(\/.*)?$/ }, (args) => {
      const path = PREACT_TO_REACT[args.path];
      return path ? { path } : { errors: [{ text: `The sandbox's admin runs Preact on React and has no "${args.path}".` }] };
    });
    build.onResolve({ filter: /^@shopify\/ui-extensions\/preact$/ }, () => ({ path: "ui-extensions-preact", namespace: "empty" }));
    build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "", loader: "js" }));
  },
};

const bundles = new Map<string, Promise<string>>();

/** The block's script for its frame; a build error rejects (and is tried again on the next request). */
export function blockBundle(block: AdminBlock): Promise<string> {
  let bundle = bundles.get(block.module);
  if (!bundle) {
    bundle = buildBlock(block);
    bundles.set(block.module, bundle);
    bundle.catch(() => bundles.delete(block.module));
  }
  return bundle;
}

async function buildBlock(block: AdminBlock): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { startAdminBlock } from ${JSON.stringify(RUNTIME)};\nimport extension from ${JSON.stringify(block.module)};\nstartAdminBlock(extension);\n`,
      resolveDir: ROOT,
      sourcefile: `${block.handle}-frame.ts`,
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [preactOnReact],
  });
  return result.outputFiles[0].text;
}
