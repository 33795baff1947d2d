// Every test process gets a complete, valid environment (test values only; no real secret anywhere).
import { afterEach, beforeEach, vi, type MockInstance } from "vitest";

const defaults: Record<string, string> = {
  NODE_ENV: "test",
  SHOPIFY_API_KEY: "test-api-key",
  SHOPIFY_API_SECRET: "test-api-secret",
  SHOPIFY_APP_URL: "http://127.0.0.1:3000",
  CREDENTIALS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  OPS_CONSOLE_CREDENTIALS: "cs@example.com:correct-horse-battery",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
};
for (const [key, value] of Object.entries(defaults)) process.env[key] ??= value;

// console.error in a test is a failure unless the test expects it, by giving the spy an implementation:
// vi.spyOn(console, "error").mockImplementation(() => {}).
let errorSpy: MockInstance<typeof console.error>;
beforeEach(() => {
  errorSpy = vi.spyOn(console, "error");
});
afterEach(() => {
  if (errorSpy.getMockImplementation()) return;
  const calls = errorSpy.mock.calls;
  if (calls.length) throw new Error(`console.error was called:\n${calls.map((c) => c.map(String).join(" ")).join("\n")}`);
});
