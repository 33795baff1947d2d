/** Helpers for tests that talk to the APSIS sandbox through the app's real client. */
import { ApsisClient, type ApsisClientOptions } from "../../../app/destinations/apsis/client/client";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox, type ApsisSandbox, type ApsisSandboxOptions } from "../../../sandbox/apsis/server";

/** The sandbox on a free port with the demo account (and whatever else the test asks for). */
export function startDemoApsisSandbox(options: Partial<ApsisSandboxOptions> = {}): Promise<ApsisSandbox> {
  return startApsisSandbox({ accounts: [demoApsisAccount()], ...options });
}

/** A client logged in as the demo account; by default it retries without waiting. */
export function demoApsisClient(sandbox: ApsisSandbox, options: Partial<ApsisClientOptions> = {}): ApsisClient {
  return new ApsisClient({ baseUrl: sandbox.url, clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret, sleep: async () => {}, ...options });
}

/** The demo account's inspection API. */
export const demoAccount = (sandbox: ApsisSandbox) => sandbox.account(DEMO_APSIS.clientId);
