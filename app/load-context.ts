/**
 * What server.mjs puts in Remix's load context (the `context` of every loader and action).
 * Optional: a test that calls a loader directly passes `{}`.
 */
declare module "@remix-run/server-runtime" {
  interface AppLoadContext {
    /** The socket's peer address (behind a reverse proxy, the proxy's): the /ops console's lockout keys on it. */
    clientAddress?: string;
  }
}

export {};
