import { describe, expect, it } from "vitest";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { contactHash, unsubHash } from "./hash";
import { type AdestraContactData, mapCustomer } from "./map-customer";
import type { ErrorVerdict } from "../../../runs/batch-engine";
import { type ContactWriter, type LinkStore, runSend, type SendCounters, type SendEngineOptions, type StoredLinks } from "./send-engine";
import { shopifyCustomer } from "../../../../tests/support/factories";

class StopError extends Error {}
class RecordError extends Error {}

/** An in-memory Adestra list + unsub list and ProfileLink store, with hooks to fail writes. */
function fakes() {
  const contacts = new Map<string, number>();
  const list = new Set<number>();
  const unsub = new Set<string>();
  const stored = new Map<string, StoredLinks>();
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const hooks: { beforeWrite?: (what: string, email: string) => void } = {};
  const track = async <T>(what: string, email: string, work: () => T): Promise<T> => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      hooks.beforeWrite?.(what, email);
      calls.push(`${what} ${email}`);
      return work();
    } finally {
      inFlight -= 1;
    }
  };
  const writer: ContactWriter = {
    upsertContact: (contact) =>
      track("upsert", contact.email, () => {
        if (!contacts.has(contact.email)) contacts.set(contact.email, contacts.size + 1);
        return contacts.get(contact.email)!;
      }),
    addToList: (id) =>
      track("addList", String(id), () => {
        const had = list.has(id);
        list.add(id);
        return had ? "already" : "added";
      }),
    removeFromList: (id) => track("removeList", String(id), () => void list.delete(id)),
    addToUnsubList: (email) => track("unsub", email, () => void unsub.add(email)),
    removeFromUnsubList: (email) => track("unsubRemove", email, () => void unsub.delete(email)),
  };
  const update = (customerId: string, change: (links: StoredLinks) => void) => {
    const links = stored.get(customerId) ?? { formerEmails: [] };
    change(links);
    stored.set(customerId, links);
  };
  const links: LinkStore = {
    find: async (ids) => new Map(ids.filter((id) => stored.has(id)).map((id) => [id, structuredClone(stored.get(id)!)])),
    holders: async (emails) => {
      const out = new Map<string, Set<string>>();
      for (const [customerId, links] of stored) {
        for (const email of [links.list?.email, links.unsub?.email]) if (email && emails.includes(email)) out.set(email, new Set([...(out.get(email) ?? []), customerId]));
      }
      return out;
    },
    saveList: async ({ customerId, contactId, email, hash }) => update(customerId, (l) => void (l.list = { hash, contactId, email })),
    saveUnsub: async ({ customerId, email, hash }) => update(customerId, (l) => void (l.unsub = { hash, email, since: new Date() })),
    dropUnsub: async (customerId) => update(customerId, (l) => void delete l.unsub),
    saveFormer: async ({ customerId, email }) => update(customerId, (l) => void (l.formerEmails = [email])),
    dropList: async (customerId) => update(customerId, (l) => void delete l.list),
  };
  const listEmails = () => [...contacts].filter(([, id]) => list.has(id)).map(([email]) => email).sort();
  return { writer, links, stored, calls, unsub, hooks, listEmails, maxInFlight: () => maxInFlight };
}

const classifyError = (error: unknown): ErrorVerdict =>
  error instanceof StopError ? { kind: "stop" } : { kind: "record", reason: (error as Error).message, response: "fault 214" };

async function* stream(customers: ShopifyCustomer[]) {
  for (const c of customers) yield c;
}

const people = (n: number, state: (i: number) => ShopifyCustomer["emailMarketingState"] = () => "SUBSCRIBED") =>
  Array.from({ length: n }, (_, i) => shopifyCustomer({ id: `gid://shopify/Customer/${i + 1}`, email: `p${i + 1}@example.com`, emailMarketingState: state(i) }));

function send(f: ReturnType<typeof fakes>, customers: ShopifyCustomer[], overrides: Partial<SendEngineOptions> = {}) {
  const progress: SendCounters[] = [];
  const failures: { customerId: string; reason: string }[] = [];
  const result = runSend({
    customers: stream(customers),
    choices: { profileGroup: "subscribers" },
    timeZone: "UTC",
    writer: f.writer,
    links: f.links,
    classifyError,
    onProgress: async ({ counters }) => void progress.push(counters),
    onFailures: async (list) => void failures.push(...list),
    ...overrides,
  });
  return result.then((r) => ({ ...r, progress, failures }));
}

describe("runSend", () => {
  it("writes the chosen customers, records links, and a second identical send writes nothing", async () => {
    const f = fakes();
    const customers = people(250, (i) => (i % 5 === 0 ? "NOT_SUBSCRIBED" : "SUBSCRIBED"));
    const first = await send(f, customers);
    expect(first.counters).toEqual({ seen: 250, matched: 200, created: 200, updated: 0, unchanged: 0, skipped: 0, failed: 0, suppressed: 0, unsuppressed: 0, leftAlone: 0 });
    expect(f.listEmails()).toHaveLength(200);
    expect(f.maxInFlight()).toBeLessThanOrEqual(4);
    expect(f.maxInFlight()).toBeGreaterThan(1);

    const callsBefore = f.calls.length;
    const second = await send(f, customers);
    expect(second.counters).toMatchObject({ matched: 200, unchanged: 200, created: 0, updated: 0 });
    expect(f.calls.length).toBe(callsBefore);
    // Progress ends with the final counters.
    expect(second.progress.at(-1)).toEqual(second.counters);
  });

  it("a changed profile is written again and counted as updated (already on the list)", async () => {
    const f = fakes();
    const [ada] = people(1);
    await send(f, [ada]);
    const result = await send(f, [{ ...ada, city: "Göteborg" }]);
    expect(result.counters).toMatchObject({ updated: 1, unchanged: 0, created: 0 });
    const mapped = mapCustomer({ customer: { ...ada, city: "Göteborg" }, timeZone: "UTC" });
    expect(f.stored.get(ada.id)?.list?.hash).toBe(contactHash((mapped as { contact: AdestraContactData }).contact));
  });

  it("all profiles: an unsubscribed customer goes on the unsub list BEFORE the list; subscribers only: unsub list only", async () => {
    const f = fakes();
    const [bob] = people(1, () => "UNSUBSCRIBED");
    const all = await send(f, [bob], { choices: { profileGroup: "all" } });
    expect(all.counters).toMatchObject({ matched: 1, created: 1, suppressed: 1 });
    expect(f.calls.map((c) => c.split(" ")[0])).toEqual(["unsub", "upsert", "addList"]);
    expect(f.stored.get(bob.id)?.unsub?.hash).toBe(unsubHash(bob.email!));

    const g = fakes();
    const subscribers = await send(g, [bob]);
    expect(subscribers.counters).toMatchObject({ matched: 0, created: 0, suppressed: 1 });
    expect(g.listEmails()).toEqual([]);
    expect([...g.unsub]).toEqual([bob.email]);
    // Already suppressed: not added again.
    expect((await send(g, [bob])).counters.suppressed).toBe(0);
  });

  it("if the unsub list refuses the address, the customer is not written to the list", async () => {
    const f = fakes();
    const [bob] = people(1, () => "UNSUBSCRIBED");
    f.hooks.beforeWrite = (what) => {
      if (what === "unsub") throw new RecordError("Invalid contact email.");
    };
    const result = await send(f, [bob], { choices: { profileGroup: "all" } });
    expect(result.counters).toMatchObject({ matched: 1, created: 0, failed: 1, suppressed: 0 });
    expect(f.listEmails()).toEqual([]);
    expect(result.failures).toEqual([expect.objectContaining({ customerId: bob.id, reason: expect.stringContaining("unsub list") })]);
    expect(f.stored.get(bob.id)).toBeUndefined();
  });

  it("customers without an email are skipped; per-record failures are kept (bounded) and counted exactly", async () => {
    const f = fakes();
    const customers = [...people(30), shopifyCustomer({ id: "gid://shopify/Customer/999", email: null, emailMarketingState: null })];
    f.hooks.beforeWrite = (what, email) => {
      if (what === "upsert" && /p\d*[02468]@/.test(email)) throw new RecordError("Invalid contact email.");
    };
    const result = await send(f, customers, { choices: { profileGroup: "all" }, maxRecordedFailures: 5 });
    expect(result.counters).toMatchObject({ seen: 31, matched: 30, created: 15, failed: 15, skipped: 1 });
    expect(result.failures).toHaveLength(5);
    expect(result.failures[0]).toMatchObject({ reason: "writing the contact failed: Invalid contact email.", response: "fault 214" });
  });

  it("a stopping error: writes in flight land and are recorded, nothing new starts, the result carries the error", async () => {
    const f = fakes();
    let writes = 0;
    f.hooks.beforeWrite = (what) => {
      if (what === "upsert" && ++writes > 50) throw new StopError("Adestra is unavailable");
    };
    const result = await send(f, people(300));
    expect(result.stoppedBy).toBeInstanceOf(StopError);
    const onList = f.listEmails();
    expect(result.counters.created).toBe(onList.length);
    expect(onList.length).toBeGreaterThanOrEqual(46);
    expect(onList.length).toBeLessThanOrEqual(50);
    // Exactly the customers on the list have a link: nothing is marked sent that was not.
    const linked = [...f.stored.keys()].map((id) => `p${id.split("/").pop()}@example.com`).sort();
    expect(linked).toEqual(onList);
    expect(result.counters.seen).toBeLessThan(300);
  });

  it("subscribed again after the unsubscribe was written: off the unsub list once; never without a newer consent", async () => {
    const f = fakes();
    const [bob] = people(1, () => "UNSUBSCRIBED");
    await send(f, [{ ...bob, emailMarketingUpdatedAt: "2026-01-01T00:00:00Z" }]);
    expect([...f.unsub]).toEqual([bob.email]);
    const writtenAt = f.stored.get(bob.id)!.unsub!.since.getTime();

    // SUBSCRIBED, but the consent is older than the app's write (or has no time): it stays suppressed.
    for (const emailMarketingUpdatedAt of [new Date(writtenAt - 1000).toISOString(), null]) {
      const kept = await send(f, [{ ...bob, emailMarketingState: "SUBSCRIBED", emailMarketingUpdatedAt }]);
      expect(kept.counters).toMatchObject({ unsuppressed: 0, matched: 1 });
      expect([...f.unsub]).toEqual([bob.email]);
    }
    // A later consent lifts it, whatever the choices (here outside the date range), and only once.
    const again = { ...bob, emailMarketingState: "SUBSCRIBED" as const, emailMarketingUpdatedAt: new Date(writtenAt + 1000).toISOString() };
    const lifted = await send(f, [again], { choices: { profileGroup: "subscribers", activityFrom: "2000-01-01", activityTo: "2000-01-02" } });
    expect(lifted.counters).toMatchObject({ unsuppressed: 1, matched: 0 });
    expect([...f.unsub]).toEqual([]);
    expect((await send(f, [again])).counters.unsuppressed).toBe(0);
    // Unsubscribing again puts the address back.
    expect((await send(f, [{ ...again, emailMarketingState: "UNSUBSCRIBED" }])).counters.suppressed).toBe(1);
    expect([...f.unsub]).toEqual([bob.email]);
  });

  it("an email change: the old address's contact leaves the list, the new one joins; an unsubscribe then reaches both", async () => {
    const f = fakes();
    const [ada] = people(1);
    await send(f, [ada]);
    const moved = { ...ada, email: "ada.new@example.com" };
    const result = await send(f, [moved]);
    expect(result.counters).toMatchObject({ created: 1, failed: 0 });
    expect(f.listEmails()).toEqual(["ada.new@example.com"]);
    expect(f.stored.get(ada.id)?.formerEmails).toEqual([ada.email]);

    const gone = await send(f, [{ ...moved, emailMarketingState: "UNSUBSCRIBED" }]);
    expect(gone.counters.suppressed).toBe(1);
    expect([...f.unsub].sort()).toEqual(["ada.new@example.com", ada.email].sort());
  });

  it("an email change without a write (no longer chosen): the old contact still leaves the list and the link goes", async () => {
    const f = fakes();
    const [ada] = people(1);
    await send(f, [ada]);
    await send(f, [{ ...ada, email: "ada.new@example.com", emailMarketingState: "NOT_SUBSCRIBED" }]);
    expect(f.listEmails()).toEqual([]);
    expect(f.stored.get(ada.id)?.list).toBeUndefined();
  });

  it("an address another customer has now is theirs: not taken off the list, not remembered as former", async () => {
    const f = fakes();
    const [ada, eve] = people(2);
    await send(f, [ada, eve]);
    // Ada takes a new address; Eve takes Ada's old one, in the same batch.
    await send(f, [{ ...ada, email: "ada.new@example.com" }, { ...eve, email: ada.email }]);
    expect(f.listEmails()).toEqual([ada.email, "ada.new@example.com"].sort());
    expect(f.stored.get(ada.id)?.formerEmails).toEqual([]);
    expect(f.stored.get(eve.id)?.formerEmails).toEqual([eve.email]);
  });

  it("an unexpected error (not Adestra's) rejects after the writes in flight", async () => {
    const f = fakes();
    let saves = 0;
    const links: LinkStore = { ...f.links, saveList: async () => { if (++saves === 3) throw new Error("database is gone"); } };
    await expect(send(f, people(20), { links })).rejects.toThrow("database is gone");
  });
});

describe("runSend with a stage port (bulk import)", () => {
  it("stages the list writes, an unsubscribed customer's only once the unsub list has the address; changed addresses and unchanged contacts stay per record", async () => {
    const f = fakes();
    const customers = people(30, (i) => (i % 3 === 0 ? "UNSUBSCRIBED" : "SUBSCRIBED"));
    // Customer 2 was written before with an old address; customer 5 unchanged since the last send.
    const unchanged = mapCustomer({ customer: customers[4], timeZone: "UTC" });
    if (!unchanged.ok) throw new Error("unmapped");
    f.stored.set(customers[1].id, { list: { hash: "old", contactId: 99, email: "old@example.com" }, formerEmails: [] });
    f.stored.set(customers[4].id, { list: { hash: contactHash(unchanged.contact), contactId: 5, email: customers[4].email }, formerEmails: [] });
    const staged: Parameters<NonNullable<SendEngineOptions["stage"]>>[0] = [];
    const unsubWhenStaged: boolean[] = [];
    const stage = async (contacts: typeof staged) => {
      for (const c of contacts) if (customers.findIndex((x) => x.id === c.customerId) % 3 === 0) unsubWhenStaged.push(f.unsub.has(c.contact.email));
      staged.push(...contacts);
    };
    const result = await send(f, customers, { choices: { profileGroup: "all" }, stage });
    // Everyone but the moved one (2) and the unchanged one (5) is staged, none written to the list.
    expect(staged.map((s) => s.customerId).sort()).toEqual(customers.filter((c) => c !== customers[1] && c !== customers[4]).map((c) => c.id).sort());
    expect(staged.every((s) => s.onList === false && s.hash === contactHash(s.contact))).toBe(true);
    // The unsubscribed: each on the unsub list before its contact was staged.
    expect(unsubWhenStaged).toEqual(Array(10).fill(true));
    expect(f.unsub.size).toBe(10);
    expect(f.listEmails()).toEqual([customers[1].email!]);
    // Staged contacts are not counted created or updated until the import confirms them.
    expect(result.counters).toMatchObject({ seen: 30, matched: 30, created: 1, unchanged: 1, suppressed: 10 });
    expect(result.counters.created + result.counters.updated + result.counters.unchanged).toBe(30 - staged.length);
  });

  it("an unsubscribed customer whose address the unsub list refused is not staged: never on the list without it", async () => {
    const f = fakes();
    const customers = people(6, (i) => (i < 2 ? "UNSUBSCRIBED" : "SUBSCRIBED"));
    f.hooks.beforeWrite = (what, email) => {
      if (what === "unsub" && email === customers[0].email) throw new RecordError("Adestra is unavailable.");
    };
    const staged: Parameters<NonNullable<SendEngineOptions["stage"]>>[0] = [];
    const result = await send(f, customers, { choices: { profileGroup: "all" }, stage: async (contacts) => void staged.push(...contacts) });
    expect(staged.map((s) => s.customerId).sort()).toEqual(customers.slice(1).map((c) => c.id).sort());
    expect(result.counters).toMatchObject({ failed: 1, suppressed: 1 });
    expect(result.failures).toEqual([expect.objectContaining({ customerId: customers[0].id, reason: expect.stringContaining("unsub list") })]);
  });
});
