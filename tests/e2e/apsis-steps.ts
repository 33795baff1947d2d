/**
 * The merchant's steps on the app's APSIS One page, shared by the APSIS One browser tests (apsis-full-sync,
 * apsis-realtime): connect the demo account, the condition "country equals SE → Sweden, otherwise → Global",
 * guessed attribute mappings and the Email channel's consent mapped to "Newsletter".
 */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import type { Stack } from "../../scripts/stack";
import { SCREENSHOTS } from "../support/browser";

/** Both Sections of the APSIS sandbox's demo account, by the names the page shows. */
export const DEMO_SECTIONS = ["Sweden", "Global"] as const;
const NO_CONSENT_WARNING = "Without consent mapping the synced profiles cannot be emailed or texted.";

export type MerchantUi = {
  /** Waits until the element is visible; fails the test (with a screenshot, the page's text and the stack's logs) if it never is. */
  shows(locator: Locator, timeout?: number): Promise<void>;
  /** Clicks a button that posts to the APSIS One page's action and waits for the answer; returns its status. */
  post(page: Page, button: Locator): Promise<number>;
};

/** `failureScreenshot`: the file (in SCREENSHOTS) a failed wait leaves behind. */
export function merchantUi(stack: () => Stack, failureScreenshot: string): MerchantUi {
  return {
    async shows(locator, timeout = 20_000) {
      try {
        await locator.first().waitFor({ state: "visible", timeout });
      } catch (error) {
        await locator.page().screenshot({ path: `${SCREENSHOTS}/${failureScreenshot}`, fullPage: true }).catch(() => {});
        const text = await locator.page().locator("body").innerText().catch(() => "(no page)");
        throw new Error(`${(error as Error).message}\npage text:\n${text}\n${stack().logs().slice(-4000)}`);
      }
    },
    async post(page, button) {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/app/apsis"), { timeout: 60_000 }),
        button.click(),
      ]);
      return response.status();
    },
  };
}

/** From any app page: the APSIS One page through the admin's navigation. */
export async function openApsisPage(page: Page, ui: MerchantUi) {
  await page.getByRole("link", { name: "APSIS One", exact: true }).first().click();
  await page.waitForURL(/\/app\/apsis/);
  await ui.shows(page.getByLabel("API client id"));
}

/** Fills the connection form with the demo account's region and client id, and `secret`. */
export async function fillConnection(page: Page, secret: string) {
  await page.getByLabel("Region").selectOption("eu");
  await page.getByLabel("API client id").fill(DEMO_APSIS.clientId);
  await page.getByLabel("API client secret").fill(secret);
}

/** Connects the APSIS sandbox's demo account; the page then shows the connection and its keyspace. */
export async function connectDemoAccount(page: Page, ui: MerchantUi) {
  await fillConnection(page, DEMO_APSIS.clientSecret);
  expect(await ui.post(page, page.getByRole("button", { name: "Connect", exact: true }))).toBe(200);
  await ui.shows(page.getByTestId("apsis-connection"));
  await ui.shows(page.getByRole("button", { name: "Disconnect" }));
}

/** Fills (does not save) the sync conditions: country equals SE → Sweden, otherwise → Global. */
export async function fillSwedenCondition(page: Page) {
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Field, rule 1").selectOption({ label: "Country" });
  await page.getByLabel("Operator, rule 1").selectOption({ label: "equals" });
  await page.getByLabel("Value, rule 1").fill("SE");
  await page.getByLabel("Section, rule 1").selectOption({ label: "Sweden" });
  await page.getByLabel(/^Otherwise/).selectOption({ label: "Global" });
}

export async function saveConditions(page: Page, ui: MerchantUi) {
  expect(await ui.post(page, page.getByRole("button", { name: "Save conditions" }))).toBe(200);
}

/** Picks the Section in the attribute mapping card and applies "Guess mappings" (Email and First name are guessed). */
export async function guessAttributeMapping(page: Page, section: string) {
  await page.getByLabel("Section to map attributes for").selectOption({ label: section });
  await page.getByRole("button", { name: "Guess mappings" }).click();
  expect(await page.getByLabel("APSIS attribute for Email", { exact: true }).inputValue()).toBe("com.apsis1.attributes.email");
  expect(await page.getByLabel("APSIS attribute for First name", { exact: true }).inputValue()).toBe("com.apsis1.attributes.firstname");
}

export async function saveAttributeMapping(page: Page, ui: MerchantUi) {
  expect(await ui.post(page, page.getByRole("button", { name: "Save attribute mapping" }))).toBe(200);
}

/** Maps the Email channel of the Section to the topic `topic`; the no-consent warning shows until it is saved. */
export async function mapEmailConsent(page: Page, ui: MerchantUi, section: string, topic = "Newsletter") {
  await page.getByLabel("Section to map consent for").selectOption({ label: section });
  await ui.shows(page.getByText(NO_CONSENT_WARNING));
  await page.getByRole("group", { name: /Email channel/ }).getByLabel(topic, { exact: true }).check({ force: true });
  expect(await ui.post(page, page.getByRole("button", { name: "Save consent mapping" }))).toBe(200);
  await expect.poll(() => page.getByText(NO_CONSENT_WARNING).count()).toBe(0);
}

/** The whole set-up with no detours: connect, conditions, guessed mappings and Email → Newsletter in both Sections. */
export async function setUpApsis(page: Page, ui: MerchantUi) {
  await openApsisPage(page, ui);
  await connectDemoAccount(page, ui);
  await fillSwedenCondition(page);
  await saveConditions(page, ui);
  for (const section of DEMO_SECTIONS) {
    await guessAttributeMapping(page, section);
    await saveAttributeMapping(page, ui);
  }
  for (const section of DEMO_SECTIONS) await mapEmailConsent(page, ui, section);
}
