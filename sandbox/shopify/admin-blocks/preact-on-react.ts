/**
 * Browser code (bundled into the block frame, bundle.ts): `preact`'s `render` on React, which the app already
 * has. The extension's own dependencies (preact, @shopify/ui-extensions) are installed by Shopify CLI, not by the
 * app's npm, so the sandbox runs the extension's unchanged source with React standing in for Preact: the block
 * uses only `render`, `useState`, `useEffect` and `useCallback` and JSX, which behave the same in both.
 */
import type { ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";

const roots = new WeakMap<Element, Root>();

export function render(node: ReactNode, parent: Element): void {
  let root = roots.get(parent);
  if (!root) roots.set(parent, (root = createRoot(parent)));
  root.render(node);
}
