/** Helpers for tests that talk to the Adestra sandbox through the app's real client. */
import { AdestraClient, type AdestraClientOptions } from "../../../app/destinations/adestra/client/client";
import { DEMO_ACCOUNT, demoAdestraAccount, startAdestraSandbox, type AdestraSandbox, type AdestraSandboxOptions } from "../../../sandbox/adestra/server";

/** The sandbox on a free port with the demo account (and whatever else the test asks for). */
export function startDemoAdestraSandbox(options: Partial<AdestraSandboxOptions> = {}): Promise<AdestraSandbox> {
  return startAdestraSandbox({ accounts: [demoAdestraAccount()], ...options });
}

/** A client logged in as the demo account; by default it retries without waiting. */
export function demoAdestraClient(sandbox: AdestraSandbox, options: Partial<AdestraClientOptions> = {}): AdestraClient {
  return new AdestraClient({ baseUrl: sandbox.xmlrpcUrl, ...DEMO_ACCOUNT, sleep: async () => {}, ...options });
}
