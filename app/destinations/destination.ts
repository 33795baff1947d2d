/**
 * What a destination is to the rest of the app (docs/decisions/019-destination-contract.md). Each destination
 * folder implements it in its `index.server.ts`, and app/destinations/index.server.ts lists them: the worker's
 * job table, webhook fan-out, redaction and the schedules at boot go through that list, never by name.
 * Everything else a destination has (its client, rules, use-cases, pages) stays inside its folder; its pages
 * are route modules under app/routes/ (Remix finds pages only there) that call into the folder.
 */
import type { z } from "zod";
import type { AgreementSource } from "../components/agreement";
import type { JobEntry } from "../queues/registry";
import type { RunKind } from "../runs/run-kind";
import type { OrderSubjectSchema } from "../shopify/webhook-topics";

/** A customer's change from a verified webhook delivery (ids only; the destination reads the customer fresh). */
export type CustomerChange = {
  shop: string;
  customerId: string;
  /** The delivery's receipt: a destination that takes the change marks it "syncing" and finishes it. */
  receiptId: string;
  /** orders/create: the order's non-personal summary. */
  order?: z.infer<typeof OrderSubjectSchema>;
};

/**
 * A completed customers/merge, checked against the shop's Shopify before any destination sees it: the kept
 * customer is one of the shop's, the merged-away one no longer exists there.
 */
export type CustomerMerge = { shop: string; shopId: string; keptCustomerId: string; mergedCustomerId: string };

/** Whether the destination took the change, or why not (shown on the receipt: "real-time sync is off"). */
export type ChangeAnswer = { queued: true } | { queued: false; reason: string };

/** A profile link the app wrote for the customer (the destination's own target and id). */
export type CustomerLink = { target: string; destinationId: string | null };

export type Destination = {
  /** As stored on sync runs and profile links. */
  name: string;
  /** Every job the destination runs, with its handler. */
  jobs: readonly JobEntry[];
  /** The kinds of run it starts: the recovery pass keeps each live run's job alive (runs/recover-runs.server.ts). */
  runs: readonly RunKind[];
  /** Real-time sync: a customer changed in Shopify. Absent: the destination only syncs in runs. */
  customerChanged?(change: CustomerChange): Promise<ChangeAnswer>;
  /**
   * customers/merge: what the destination holds of the merged-away customer folded into the kept one (run in
   * the delivery's job; retry-safe, a second run finds nothing left). Answers what it did for the receipt
   * (Activity), or null when it holds nothing of them.
   */
  customersMerged?(merge: CustomerMerge): Promise<string | null>;
  /**
   * customers/redact: queue the erasure of what the app wrote to this destination, from the customer's links
   * (before the database forgets them); ids only in the jobs, ids from the delivery so a retry queues nothing
   * twice. Answers counts for the redaction record.
   */
  redactCustomer(request: { shop: string; customerId: string; receiptId?: string; links: CustomerLink[] }): Promise<Record<string, number>>;
  /** customers/redact: what Redis holds about the customer under the destination's own keys. */
  forgetCustomer?(customer: { shopId: string; customerId: string }): Promise<void>;
  /**
   * shop/redact, before the database deletes the shop: its schedules, cached tokens and rate keys. Answers key
   * prefixes that name the shop's credentials, for the purge of every key naming the shop.
   */
  forgetShop?(shop: { shopId: string }): Promise<string[]>;
  /** Where a run wrote, from its settings (JSON), as the Activity table names it ("list Newsletter"); null: nothing to add. */
  runTarget?(settings: string): string | null;
  /** The Subscriber counts page: what it last wrote by consent state, and per customer (components/agreement.ts). */
  agreement?: AgreementSource;
  /** Worker boot: the destination's recurring schedules match the database. */
  reconcileSchedules?(): Promise<unknown>;
};
