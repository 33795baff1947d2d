import { pingDatabase } from "../models/shop.server";

const TIMEOUT_MS = 3000;

/**
 * Liveness/readiness for load balancers and the process manager: 200 "ok" when the database answers a
 * trivial query within 3 s, 503 otherwise. Public and cheap; reveals nothing but up or down.
 */
export const loader = async () => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pingDatabase(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return new Response("ok", { status: 200, headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } });
  } catch (error) {
    console.warn("healthz: database check failed:", error instanceof Error ? error.message : error);
    return new Response("database unavailable", {
      status: 503,
      headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" },
    });
  } finally {
    clearTimeout(timer);
  }
};
