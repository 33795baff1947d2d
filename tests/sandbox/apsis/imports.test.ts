import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApsisClient, ApsisImportBody, ApsisImportStatus } from "../../../app/destinations/apsis/client/client";
import { ApsisApiError, ApsisAuthError, ApsisRateLimitError, ApsisValidationError } from "../../../app/destinations/apsis/client/errors";
import { sleep } from "../../../app/http/retry";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const SECTION = DEMO_APSIS.globalSection;
const [globalConfig] = demoApsisAccount().sections;
const attribute = (prefix: string) => globalConfig.attributes.find((definition) => definition.discriminator.startsWith(prefix))!;
const topic = (name: string) => globalConfig.topics!.find((definition) => definition.name === name)!.discriminator;
const ORDERS_COUNT = attribute("usercreated.attributes.orders_count-");
const ACCEPTS = attribute("usercreated.attributes.accepts_marketing-");

const MAPPING: ApsisImportBody = {
  keyspace_mapping: { keyspace_discriminator: DEMO_APSIS.shopifyKeyspace, field_selector: "customer_id" },
  options: { update_existing_profiles: true, clear_existing_attributes: false },
  attribute_mappings: [
    { field_selector: "email", attribute_version_id: attribute("com.apsis1.attributes.email").versionId },
    { field_selector: "first_name", attribute_version_id: attribute("com.apsis1.attributes.firstname").versionId },
    { field_selector: "orders_count", attribute_version_id: ORDERS_COUNT.versionId },
    { field_selector: "accepts_marketing", attribute_version_id: ACCEPTS.versionId },
  ],
  consent_mappings: [
    {
      address_field_selector: "email",
      consents: [{ field_selector: "newsletter", channel_discriminator: "com.apsis1.channels.email", topic_discriminator: topic("Newsletter"), type: "opt-in", resubscribe_if_opted_out: false }],
    },
  ],
};

const CSV = [
  "customer_id,email,first_name,orders_count,accepts_marketing,newsletter",
  '101,anna@example.com,"Anna, Jr.",3,true,1',
  "102,bo@example.com,Bo,0,false,0",
  "103,cai@example.com,Cai,many,true,1",
].join("\r\n");

let sandbox: ApsisSandbox;
let apsis: ApsisClient;
beforeAll(async () => {
  sandbox = await startDemoApsisSandbox({ importStepMs: 50 });
  apsis = demoApsisClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => demoAccount(sandbox).reset());
afterEach(() => vi.useRealTimers());

async function finished(importId: string): Promise<ApsisImportStatus["result"]> {
  for (let poll = 0; poll < 200; poll++) {
    const { result } = await apsis.imports.get({ section: SECTION, importId });
    if (result.status === "completed" || result.status === "error") return result;
    await sleep(5);
  }
  throw new Error(`import ${importId} did not finish`);
}

describe("APSIS sandbox imports", () => {
  it("runs an import end to end: create, multipart upload, queued → in_progress → completed, rows applied", async () => {
    const created = await apsis.imports.create({ section: SECTION, body: MAPPING });
    expect(created.file_upload_url).toBe(`${sandbox.url}/s3/apsis-one-imports`);
    expect(Date.parse(created.file_upload_url_expires_at)).toBeGreaterThan(Date.now());
    expect((await apsis.imports.get({ section: SECTION, importId: created.import_id })).result.status).toBe("waiting_for_file");

    await apsis.imports.upload({ url: created.file_upload_url, fields: created.file_upload_body, csv: CSV });
    expect(demoAccount(sandbox).imports()[0].status).toMatch(/^(queued|in_progress)$/);
    const result = await finished(created.import_id);
    expect(result).toMatchObject({ status: "completed", total_rows: 3, imported_rows: 2, failed_rows: 1, errors: [{ row: 4, reason: expect.stringMatching(/orders_count.*"many" is not a valid number/) }] });

    const [anna, bo] = demoAccount(sandbox).profiles();
    expect(anna).toMatchObject({ keyspace: DEMO_APSIS.shopifyKeyspace, profileKey: "101" });
    expect(anna.sections[SECTION].attributes).toEqual({
      "com.apsis1.attributes.email": "anna@example.com",
      "com.apsis1.attributes.firstname": "Anna, Jr.",
      [ORDERS_COUNT.discriminator]: 3,
      [ACCEPTS.discriminator]: true,
    });
    expect(anna.sections[SECTION].consents).toMatchObject([{ channel: "com.apsis1.channels.email", topic: topic("Newsletter"), type: "opt-in" }]);
    expect(bo.sections[SECTION].consents).toEqual([]);
    expect(demoAccount(sandbox).profile(DEMO_APSIS.shopifyKeyspace, "103")).toBeUndefined();
    expect(demoAccount(sandbox).imports()).toMatchObject([{ id: created.import_id, status: "completed", imported: 2, failed: 1 }]);
  });

  it("keeps an opt-out unless resubscribe_if_opted_out, and skips existing profiles when told not to update them", async () => {
    const profile = { keyspace: DEMO_APSIS.shopifyKeyspace, profileKey: "101", section: SECTION };
    await apsis.profiles.create(profile);
    await apsis.consents.write({ ...profile, channel: "com.apsis1.channels.email", topic: topic("Newsletter"), type: "opt-out", reason: "Unsubscribed", source: "Shopify" });
    const runImport = async (body: ApsisImportBody) => {
      const created = await apsis.imports.create({ section: SECTION, body });
      await apsis.imports.upload({ url: created.file_upload_url, fields: created.file_upload_body, csv: CSV.split("\r\n").slice(0, 2).join("\n") });
      return finished(created.import_id);
    };
    expect(await runImport(MAPPING)).toMatchObject({ imported_rows: 1 });
    expect(demoAccount(sandbox).profile(profile.keyspace, "101")?.sections[SECTION].consents).toMatchObject([{ type: "opt-out" }]);
    expect(await runImport({ ...MAPPING, options: { update_existing_profiles: false } })).toMatchObject({ imported_rows: 0, skipped_rows: 1 });
  });

  it("refuses a mapping with an unknown attribute version or a consent type the API cannot set", async () => {
    const unknownVersion = { ...MAPPING, attribute_mappings: [{ field_selector: "email", attribute_version_id: "1" }] };
    await expect(apsis.imports.create({ section: SECTION, body: unknownVersion })).rejects.toThrow(/Unknown attribute version id '1'/);
    const pending = { ...MAPPING, consent_mappings: [{ ...MAPPING.consent_mappings![0], consents: [{ ...MAPPING.consent_mappings![0].consents[0], type: "pending-opt-in" as const }] }] };
    await expect(apsis.imports.create({ section: SECTION, body: pending })).rejects.toBeInstanceOf(ApsisValidationError);
  });

  it("ends in error when the file lacks a mapped column", async () => {
    const created = await apsis.imports.create({ section: SECTION, body: MAPPING });
    await apsis.imports.upload({ url: created.file_upload_url, fields: created.file_upload_body, csv: "customer_id,email\n1,a@b.se\n" });
    expect(await finished(created.import_id)).toMatchObject({ status: "error", error: "The file has no column 'first_name'" });
  });

  it("allows three pending imports per account (429 for the fourth, never retried)", async () => {
    for (let i = 0; i < 3; i++) await apsis.imports.create({ section: SECTION, body: MAPPING });
    const error = await apsis.imports.create({ section: SECTION, body: MAPPING }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisRateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 60_000, detail: expect.stringMatching(/3 simultaneous imports/) });
    expect(demoAccount(sandbox).stats().byEndpoint["POST /v2/audience/sections/{section}/imports"]).toBe(4);
  });

  it("refuses an upload with a changed field or after its URL expired, without calling it bad credentials", async () => {
    const created = await apsis.imports.create({ section: SECTION, body: MAPPING });
    const tampered = apsis.imports.upload({ url: created.file_upload_url, fields: { ...created.file_upload_body, policy: "e30=" }, csv: CSV });
    await expect(tampered).rejects.toMatchObject({ name: "ApsisApiError", status: 403, detail: expect.stringMatching(/Policy Condition failed/) });

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 2 * 3_600_000);
    const late = await apsis.imports.upload({ url: created.file_upload_url, fields: created.file_upload_body, csv: CSV }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ApsisApiError);
    expect(late).not.toBeInstanceOf(ApsisAuthError);
    expect((await apsis.imports.get({ section: SECTION, importId: created.import_id })).result).toMatchObject({ status: "error", error: "File upload time expired" });
  });
});
