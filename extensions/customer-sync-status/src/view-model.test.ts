import { describe, expect, it } from "vitest";
import { type CustomerSyncStatusPayload, describeFailure, describeResync, formatInstant, statusUrl, toCustomerSyncView } from "./view-model";

const NEWSLETTER = "usercreated.topics.newsletter-abc";
const SMS_OFFERS = "usercreated.topics.sms_offers-def";

function status(overrides: Partial<CustomerSyncStatusPayload> = {}): CustomerSyncStatusPayload {
  return {
    customerId: "gid://shopify/Customer/1001",
    timeZone: "Europe/Stockholm",
    apsis: { connected: true, keyspaceChosen: true, realtimeEnabled: true },
    sections: [],
    lastAttempt: null,
    ...overrides,
  };
}

const syncedSection: CustomerSyncStatusPayload["sections"][number] = {
  section: "usercreated.sections.global-k3v9x2m7qa",
  sectionName: "Global",
  profileKey: "1001",
  lastSyncedAt: "2026-03-08T08:00:00.000Z",
  lastError: null,
  consent: [
    { channel: "email", address: "anna@example.com", topics: [{ topic: NEWSLETTER, name: "Newsletter", type: "opt-in" }] },
    { channel: "sms", address: "+46701234567", topics: [{ topic: SMS_OFFERS, name: null, type: "opt-out" }] },
  ],
};

describe("formatInstant", () => {
  it("shows the instant in the store's timezone, daylight saving included", () => {
    expect(formatInstant("2026-03-08T08:00:00.000Z", "Europe/Stockholm")).toBe("8 Mar 2026, 09:00 GMT+1");
    expect(formatInstant("2026-03-08T08:00:00.000Z", "America/New_York")).toBe("8 Mar 2026, 04:00 EDT");
    expect(formatInstant("2026-07-01T08:00:00.000Z", "Europe/Stockholm")).toBe("1 Jul 2026, 10:00 GMT+2");
  });

  it("an unknown zone falls back to UTC, labelled so; an unreadable time is shown as given", () => {
    expect(formatInstant("2026-03-08T08:00:00.000Z", "Mars/Olympus_Mons")).toBe("8 Mar 2026, 08:00 UTC");
    expect(formatInstant("yesterday", "UTC")).toBe("yesterday");
  });
});

describe("toCustomerSyncView", () => {
  it("a synced customer: Section by name, last synced in the store's zone, consent per topic (discriminator when unnamed)", () => {
    const view = toCustomerSyncView(
      status({
        sections: [syncedSection],
        lastAttempt: {
          outcome: "updated",
          section: syncedSection.section,
          sectionName: "Global",
          detail: null,
          lastError: null,
          lastErrorAt: null,
          attemptedAt: "2026-03-08T08:00:05.000Z",
        },
      }),
    );
    expect(view.badge).toEqual({ tone: "success", label: "Synced: profile updated" });
    expect(view.notice).toBeNull();
    expect(view.lastAttempt).toBe("Last attempt 8 Mar 2026, 09:00 GMT+1 (Section Global)");
    expect(view.sections).toEqual([
      {
        heading: "Section Global",
        lastSynced: "Last synced 8 Mar 2026, 09:00 GMT+1",
        consent: [
          { label: "Email (anna@example.com): Newsletter", value: "Opted in", tone: "success" },
          { label: `SMS (+46701234567): ${SMS_OFFERS}`, value: "Opted out", tone: "neutral" },
        ],
        consentNote: null,
        error: null,
      },
    ]);
    expect(view.lastError).toBeNull();
    expect(view.canResync).toBe(true);
  });

  it("a failed attempt shows the error with its time, and keeps what was written before", () => {
    const view = toCustomerSyncView(
      status({
        sections: [syncedSection],
        lastAttempt: {
          outcome: "failed",
          section: syncedSection.section,
          sectionName: null,
          detail: "APSIS One refused the consent write",
          lastError: "APSIS One answered 400 Bad Request: the topic is not for this channel",
          lastErrorAt: "2026-03-09T12:30:00.000Z",
          attemptedAt: "2026-03-09T12:30:00.000Z",
        },
      }),
    );
    expect(view.badge).toEqual({ tone: "critical", label: "Sync failed" });
    expect(view.lastAttempt).toBe(`Last attempt 9 Mar 2026, 13:30 GMT+1 (Section ${syncedSection.section}): APSIS One refused the consent write`);
    expect(view.lastError).toEqual({ message: "APSIS One answered 400 Bad Request: the topic is not for this channel", at: "9 Mar 2026, 13:30 GMT+1" });
    expect(view.sections).toHaveLength(1);
  });

  it("says why consent lines are missing: none written, or an unreadable record", () => {
    const view = toCustomerSyncView(status({ sections: [{ ...syncedSection, consent: [] }, { ...syncedSection, section: "s2", sectionName: null, consent: null }] }));
    expect(view.sections.map((s) => [s.heading, s.consent.length, s.consentNote])).toEqual([
      ["Section Global", 0, expect.stringMatching(/^No consent written/)],
      ["Section s2", 0, "The consent last written could not be read."],
    ]);
  });

  it("before any sync: not synced yet; synced by a Full Sync only: synced", () => {
    expect(toCustomerSyncView(status()).badge).toEqual({ tone: "neutral", label: "Not synced yet" });
    expect(toCustomerSyncView(status({ sections: [syncedSection] })).badge).toEqual({ tone: "success", label: "Synced" });
    expect(toCustomerSyncView(status({ lastAttempt: { outcome: "skipped", section: null, sectionName: null, detail: null, lastError: null, lastErrorAt: null, attemptedAt: "2026-03-08T08:00:00.000Z" } })).badge)
      .toEqual({ tone: "neutral", label: "Not synced: no sync condition matches" });
  });

  it("Resync is offered only when APSIS One is connected with a keyspace; real-time sync off is explained", () => {
    const notConnected = toCustomerSyncView(status({ apsis: { connected: false, keyspaceChosen: false, realtimeEnabled: false } }));
    expect(notConnected.canResync).toBe(false);
    expect(notConnected.notice).toEqual({ tone: "warning", message: expect.stringMatching(/not connected/) });
    const noKeyspace = toCustomerSyncView(status({ apsis: { connected: true, keyspaceChosen: false, realtimeEnabled: false } }));
    expect(noKeyspace.canResync).toBe(false);
    expect(noKeyspace.notice?.message).toMatch(/keyspace/);
    const realtimeOff = toCustomerSyncView(status({ apsis: { connected: true, keyspaceChosen: true, realtimeEnabled: false } }));
    expect(realtimeOff.canResync).toBe(true);
    expect(realtimeOff.notice).toEqual({ tone: "info", message: expect.stringMatching(/Real-time sync is off/) });
  });
});

describe("answers in words", () => {
  it("Resync: queued, or the reason it was not", () => {
    expect(describeResync(202, { queued: true })).toEqual({ tone: "success", message: expect.stringMatching(/^Resync queued/) });
    expect(describeResync(409, { queued: false, reason: "APSIS One is not connected" })).toEqual({
      tone: "critical",
      message: "The customer cannot be resynced: APSIS One is not connected.",
    });
  });

  it("refusals: the app's message, an expired session, or no answer", () => {
    expect(describeFailure(403, { error: "x.myshopify.com is not enabled yet: this app is invitation only." })).toBe("x.myshopify.com is not enabled yet: this app is invitation only.");
    expect(describeFailure(401, null)).toMatch(/session has expired/);
    expect(describeFailure(502, "<html>")).toBe("The app could not be reached (HTTP 502). Try again in a moment.");
  });

  it("the status URL carries the customer GID encoded", () => {
    expect(statusUrl("gid://shopify/Customer/1001")).toBe("/api/customer-sync-status?customerId=gid%3A%2F%2Fshopify%2FCustomer%2F1001");
  });
});
