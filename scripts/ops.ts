/**
 * Customer-success command line: enable (invite) or disable (revoke) shops, and list them.
 *
 *   npm run ops -- invite <shop> [--by <name>] [--note <text>]
 *   npm run ops -- revoke <shop> [--by <name>] [--note <text>]
 *   npm run ops -- shops [--json]
 *   npm run ops -- send <shop> [--list <id> --group subscribers|all [--from YYYY-MM-DD] [--to YYYY-MM-DD]] [--detach]
 *
 * `send` starts an Adestra send for the shop, as "Send now" does: with the saved Auto Send choices, or with
 * the choices given (--list and --group together). It needs the app's whole environment (it enqueues the job
 * a worker runs: start one with `npm run worker`) and prints the run's progress until it ends, unless
 * --detach. Exit codes for send: 0 succeeded, 1 failed, 2 refused (nothing started).
 *
 *   npm run ops -- full-sync <shop> [--detach]
 *
 * `full-sync` starts an APSIS One Full Sync for the shop with its saved keyspace, conditions and mappings (as the
 * Full Sync button does; a worker runs it), and prints its progress until it ends, unless --detach. Exit codes
 * as for send.
 *
 * The actor recorded with a change is --by, else $OPS_ACTOR, else the OS user. Needs only DATABASE_URL
 * (the same variable and default as the app); no Shopify keys.
 * Exit codes: 0 done, 1 unexpected failure, 2 bad usage or invalid input (nothing written).
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { createDb } from "../app/db.server";
import { EnvError, EnvSchema, parseEnv } from "../app/env.server";
import { listShops, setInvitation, ShopDomainSchema } from "../app/models/shop.server";

const USAGE = `Usage:
  npm run ops -- invite <shop.myshopify.com> [--by <name>] [--note <text>]
  npm run ops -- revoke <shop.myshopify.com> [--by <name>] [--note <text>]
  npm run ops -- shops [--json]
  npm run ops -- send <shop.myshopify.com> [--list <id> --group subscribers|all [--from YYYY-MM-DD] [--to YYYY-MM-DD]] [--detach]
  npm run ops -- full-sync <shop.myshopify.com> [--detach]`;

class UsageError extends Error {}

function actorFrom(by: string | undefined) {
  const actor = by?.trim() || process.env.OPS_ACTOR?.trim() || safeUsername();
  if (!actor) throw new UsageError("cannot tell who you are: pass --by <name> or set OPS_ACTOR");
  return actor;
}

function safeUsername() {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** Only DATABASE_URL, validated by the app's own schema (parseEnv() would also demand the Shopify keys). */
function connect() {
  const parsed = EnvSchema.pick({ DATABASE_URL: true }).safeParse(process.env);
  if (!parsed.success) {
    throw new UsageError(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  const url = parsed.data.DATABASE_URL;
  const file = url.startsWith("file:") ? url.replace(/^file:/, "").replace(/\?.*$/, "") : null;
  if (file && !existsSync(file)) {
    throw new UsageError(
      `there is no database at ${file}: set DATABASE_URL to the app's (the demo's is DATABASE_URL=file:./.data/demo.sqlite), or create one with npm run db:migrate`,
    );
  }
  // getDb() (used by the models) takes this process-wide client instead of parsing the whole environment.
  globalThis.__db = createDb(url);
  return globalThis.__db;
}

function table(headings: string[], rows: string[][]) {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(headings), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      by: { type: "string" },
      note: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      list: { type: "string" },
      group: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      detach: { type: "boolean", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!command) throw new UsageError("which command?");

  if (command === "invite" || command === "revoke") {
    if (rest.length !== 1) throw new UsageError(`${command} takes exactly one shop domain`);
    const domain = ShopDomainSchema.safeParse(rest[0]);
    if (!domain.success) throw new UsageError(`"${rest[0]}" ${domain.error.issues[0].message}`);
    const actor = actorFrom(values.by);
    const db = connect();
    try {
      const shop = await setInvitation({
        shop: domain.data,
        invited: command === "invite",
        actor,
        via: "cli",
        note: values.note?.trim() || undefined,
      });
      console.log(`${command === "invite" ? "Invited" : "Revoked"} ${shop.domain} (by ${actor})`);
      if (command === "invite" && !shop.name) {
        console.log("The shop has not opened the app yet: its sync features unlock when it does.");
      }
    } finally {
      await db.$disconnect();
    }
    return 0;
  }

  if (command === "shops") {
    if (rest.length) throw new UsageError("shops takes no arguments");
    const db = connect();
    try {
      const shops = await listShops();
      if (values.json) {
        console.log(JSON.stringify(shops, null, 2));
        return 0;
      }
      if (shops.length === 0) {
        console.log("No shops yet.");
        return 0;
      }
      console.log(
        table(
          ["DOMAIN", "NAME", "INVITATION", "BY", "AT", "INSTALLED", "UNINSTALLED"],
          shops.map((s) => {
            const revoked = s.invitation === "revoked";
            return [
              s.domain,
              s.name ?? "-",
              s.invitation,
              (revoked ? s.revokedBy : s.invitedBy) ?? "-",
              iso(revoked ? s.revokedAt : s.invitedAt),
              iso(s.installedAt),
              iso(s.uninstalledAt),
            ];
          }),
        ),
      );
    } finally {
      await db.$disconnect();
    }
    return 0;
  }

  if (command === "send") {
    if (rest.length !== 1) throw new UsageError("send takes exactly one shop domain");
    const domain = ShopDomainSchema.safeParse(rest[0]);
    if (!domain.success) throw new UsageError(`"${rest[0]}" ${domain.error.issues[0].message}`);
    return send({ shop: domain.data, values });
  }

  if (command === "full-sync") {
    if (rest.length !== 1) throw new UsageError("full-sync takes exactly one shop domain");
    const domain = ShopDomainSchema.safeParse(rest[0]);
    if (!domain.success) throw new UsageError(`"${rest[0]}" ${domain.error.issues[0].message}`);
    return fullSync({ shop: domain.data, detach: values.detach ?? false });
  }

  throw new UsageError(`unknown command "${command}"`);
}

/** `send`: starts the run, then prints its progress (read from the SyncRun, as the page does) until it ends. */
async function send({ shop, values }: {
  shop: string;
  values: { list?: string; group?: string; from?: string; to?: string; detach?: boolean };
}) {
  const explicit = values.list !== undefined || values.group !== undefined || values.from !== undefined || values.to !== undefined;
  if (explicit && (values.list === undefined || values.group === undefined)) {
    throw new UsageError("give --list and --group together (or neither, to use the saved Auto Send choices)");
  }
  let env;
  try {
    env = parseEnv();
  } catch (error) {
    if (error instanceof EnvError) throw new UsageError(`send needs the app's environment (.env.example): ${error.message}`);
    throw error;
  }
  const { startSend } = await import("../app/destinations/adestra/send.server");
  const { getSendSettings } = await import("../app/destinations/adestra/send-settings.server");
  const { resolveShopContext } = await import("../app/models/shop.server");
  const { UserFacingError } = await import("../app/utils/user-facing-error");
  const { getSyncRunSummary } = await import("../app/models/sync-run.server");
  const { closeQueues } = await import("../app/queues/enqueue.server");
  const { getRedis } = await import("../app/redis.server");
  const { getDb } = await import("../app/db.server");
  const finish = async () => {
    await closeQueues();
    getRedis().disconnect();
    await getDb().$disconnect();
  };
  try {
    const context = await resolveShopContext({ shop });
    let choices: unknown;
    if (explicit) {
      choices = { profileGroup: values.group, listId: values.list, activityFrom: values.from, activityTo: values.to };
    } else {
      choices = (await getSendSettings({ shop: context })).auto.choices;
      if (!choices) throw new UsageError(`${shop} has no saved Auto Send choices: give --list and --group`);
    }
    let started;
    try {
      started = await startSend({ shop: context, trigger: "ops", choices, recordAs: explicit ? "on_demand" : "auto" });
    } catch (error) {
      if (error instanceof UserFacingError) {
        const fields = Object.entries(error.fieldErrors).map(([field, message]) => `${field}: ${message}`);
        throw new UsageError(`the send was refused: ${[...new Set([error.message, ...fields])].join("; ")}`);
      }
      throw error;
    }
    const { runId, alreadyRunning } = started;
    console.log(alreadyRunning ? `A send is already running for ${shop}: run ${runId}` : `Started run ${runId} for ${shop} (redis prefix ${env.REDIS_PREFIX})`);
    if (values.detach) return 0;

    let last = "";
    const startedAt = Date.now();
    let hinted = false;
    for (;;) {
      const run = await getSyncRunSummary({ runId });
      if (!run) throw new Error(`run ${runId} disappeared`);
      const line =
        `${run.status.padEnd(9)} seen ${run.seen}${run.total !== null ? `/${run.total}` : ""}  matched ${run.matched}  ` +
        `sent ${run.created + run.updated} (new ${run.created}, updated ${run.updated})  unchanged ${run.unchanged}  ` +
        `skipped ${run.skipped}  failed ${run.failed}  unsubscribed ${run.suppressed}`;
      if (line !== last) console.log(line);
      last = line;
      if (run.status === "queued" && !hinted && Date.now() - startedAt > 15_000) {
        console.log("(still queued: is a worker running? `npm run worker`)");
        hinted = true;
      }
      if (run.status === "succeeded") return 0;
      if (run.status === "failed" || run.status === "cancelled") {
        console.log(`Run ${runId} ${run.status}: ${run.errorMessage ?? "(no reason recorded)"}`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await finish();
  }
}

/** `full-sync`: starts an APSIS One Full Sync, then prints its progress (read from the SyncRun) until it ends. */
async function fullSync({ shop, detach }: { shop: string; detach: boolean }) {
  let env;
  try {
    env = parseEnv();
  } catch (error) {
    if (error instanceof EnvError) throw new UsageError(`full-sync needs the app's environment (.env.example): ${error.message}`);
    throw error;
  }
  const { startFullSync } = await import("../app/destinations/apsis/full-sync.server");
  const { resolveShopContext, ShopNotInvitedError } = await import("../app/models/shop.server");
  const { UserFacingError } = await import("../app/utils/user-facing-error");
  const { getSyncRunSummary } = await import("../app/models/sync-run.server");
  const { closeQueues } = await import("../app/queues/enqueue.server");
  const { getRedis } = await import("../app/redis.server");
  const { getDb } = await import("../app/db.server");
  try {
    let started;
    try {
      started = await startFullSync({ shop: await resolveShopContext({ shop }), trigger: "ops" });
    } catch (error) {
      if (error instanceof UserFacingError || error instanceof ShopNotInvitedError) throw new UsageError(`the Full Sync was refused: ${error.message}`);
      throw error;
    }
    const { runId, alreadyRunning } = started;
    console.log(alreadyRunning ? `A Full Sync is already running for ${shop}: run ${runId}` : `Started Full Sync ${runId} for ${shop} (redis prefix ${env.REDIS_PREFIX})`);
    if (detach) return 0;
    let last = "";
    const startedAt = Date.now();
    let hinted = false;
    for (;;) {
      const run = await getSyncRunSummary({ runId });
      if (!run) throw new Error(`run ${runId} disappeared`);
      const line =
        `${run.status.padEnd(9)} seen ${run.seen}${run.total !== null ? `/${run.total}` : ""}  matched ${run.matched}  ` +
        `created ${run.created}  updated ${run.updated}  unchanged ${run.unchanged}  skipped by conditions ${run.skipped}  failed ${run.failed}`;
      if (line !== last) console.log(line);
      last = line;
      if (run.status === "queued" && !hinted && Date.now() - startedAt > 15_000) {
        console.log("(still queued: is a worker running? `npm run worker`)");
        hinted = true;
      }
      if (run.status === "succeeded") return 0;
      if (run.status === "failed" || run.status === "cancelled") {
        console.log(`Run ${runId} ${run.status}: ${run.errorMessage ?? "(no reason recorded)"}`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await closeQueues();
    getRedis().disconnect();
    await getDb().$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`ops: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error("ops: failed:", error);
    process.exitCode = 1;
  },
);
