/**
 * Customer-success command line: enable (invite) or disable (revoke) shops, and list them.
 *
 *   npm run ops -- invite <shop> [--by <name>] [--note <text>]
 *   npm run ops -- revoke <shop> [--by <name>] [--note <text>]
 *   npm run ops -- shops [--json]
 *
 * The actor recorded with a change is --by, else $OPS_ACTOR, else the OS user. Needs only DATABASE_URL
 * (the same variable and default as the app); no Shopify keys.
 * Exit codes: 0 done, 1 unexpected failure, 2 bad usage or invalid input (nothing written).
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { createDb } from "../app/db.server";
import { EnvSchema } from "../app/env.server";
import { listShops, setInvitation, ShopDomainSchema } from "../app/models/shop.server";

const USAGE = `Usage:
  npm run ops -- invite <shop.myshopify.com> [--by <name>] [--note <text>]
  npm run ops -- revoke <shop.myshopify.com> [--by <name>] [--note <text>]
  npm run ops -- shops [--json]`;

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
  // getDb() (used by the models) takes this process-wide client instead of parsing the whole environment.
  globalThis.__db = createDb(parsed.data.DATABASE_URL);
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

  throw new UsageError(`unknown command "${command}"`);
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
