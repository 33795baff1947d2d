/**
 * Bulk imports (docs/apis/apsis-one-api.md §8): POST /v2/…/imports checks the mapping and answers a
 * pre-signed upload (S3 POST-policy style) pointing back at the sandbox; the multipart upload queues the file;
 * the import then runs in steps (queued → in_progress → completed | error), polled with GET …/imports/{id}.
 * Three imports may be pending per account, and 10 may be requested a minute (429 beyond either).
 */
import { createHmac, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { ImportBodySchema } from "../../app/destinations/apsis/client/schemas";
import { escapeHtml, sendText } from "../shopify/http";
import type { SandboxAccount } from "./account";
import { checkTopic, settableType } from "./consents";
import { expireIfDue, importResult, isActive, type SandboxImport } from "./import-model";
import { importRows } from "./import-rows";
import { ApsisProblem, parseBody, tooManyRequests } from "./problem";
import type { Route, SandboxRuntime } from "./routes";

export const UPLOAD_PATH = "/s3/apsis-one-imports";
/** APSIS's file limit. */
const MAX_FILE_BYTES = 50 * 1024 * 1024;
const MAX_PENDING_IMPORTS = 3;
/** INFERRED: APSIS sends no Retry-After that anyone has seen; a pending import takes about this long to free. */
const PENDING_RETRY_MS = 60_000;
const SIGNING_SECRET = randomUUID();

export const importRoutes: Route[] = [
  {
    method: "POST",
    template: "/v2/audience/sections/{section}/imports",
    body: "json",
    handle: ({ account, params, body, sandbox }) => {
      const section = account.section(params.section);
      const mapping = parseBody(ImportBodySchema, body);
      if (!account.config.keyspaces.some((keyspace) => keyspace.discriminator === mapping.keyspace_mapping.keyspace_discriminator)) {
        throw new ApsisProblem(400, `Unknown keyspace '${mapping.keyspace_mapping.keyspace_discriminator}'`);
      }
      for (const { attribute_version_id: versionId } of mapping.attribute_mappings) {
        if (!section.attributesByVersionId.has(versionId)) throw new ApsisProblem(400, `Unknown attribute version id '${versionId}' in section '${params.section}'`);
      }
      for (const consent of (mapping.consent_mappings ?? []).flatMap((consentMapping) => consentMapping.consents)) {
        settableType(consent.type);
        checkTopic(section, consent.channel_discriminator, consent.topic_discriminator);
      }
      const records = [...account.importRecords.values()];
      records.forEach((record) => expireIfDue(record));
      if (records.filter(isActive).length >= MAX_PENDING_IMPORTS) {
        throw tooManyRequests(`Pending import count limit reached: ${MAX_PENDING_IMPORTS} simultaneous imports per account`, PENDING_RETRY_MS);
      }
      const waitMs = account.admit("imports");
      if (waitMs > 0) throw tooManyRequests("Profile import request limit reached (per minute)", waitMs);

      const record = newImport(account, params.section, mapping, sandbox);
      const answeredExpiry = record.uploadExpiresAt;
      const fault = account.takeImportFault();
      // S3 holds the URL expired by the time the file comes (clocks apart); APSIS answers its usual expiry.
      if (fault?.kind === "expired-upload") record.uploadExpiresAt = Date.now();
      if (fault?.kind === "error") record.failWith = fault.reason;
      account.importRecords.set(record.id, record);
      return {
        status: 201,
        body: {
          import_id: record.id,
          file_upload_url: `${sandbox.url}${UPLOAD_PATH}`,
          file_upload_url_expires_at: new Date(answeredExpiry).toISOString(),
          file_upload_body: record.fields,
        },
      };
    },
  },
  {
    method: "GET",
    template: "/audience/sections/{section}/imports/{importId}",
    handle: ({ account, params }) => {
      const record = account.importRecords.get(params.importId);
      if (!record || record.section !== params.section) throw new ApsisProblem(404, `Import '${params.importId}' was not found in section '${params.section}'`);
      expireIfDue(record);
      return { status: 200, body: importResult(record) };
    },
  },
];

function newImport(account: SandboxAccount, section: string, body: SandboxImport["body"], sandbox: SandboxRuntime): SandboxImport {
  const id = randomUUID();
  const uploadExpiresAt = Date.now() + sandbox.uploadUrlTtlSeconds * 1_000;
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d+/g, "");
  const key = importKey(account.config.clientId, id);
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(uploadExpiresAt).toISOString(), conditions: [{ key }, { "Content-Type": "text/csv" }] })).toString("base64");
  const fields = {
    key,
    "Content-Type": "text/csv",
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-credential": `SANDBOXKEY/${amzDate.slice(0, 8)}/eu-west-1/s3/aws4_request`,
    "x-amz-date": amzDate,
    policy,
    "x-amz-signature": createHmac("sha256", SIGNING_SECRET).update(policy).digest("hex"),
  };
  return { id, section, body, status: "waiting_for_file", fields, uploadExpiresAt, rows: 0, imported: 0, skipped: 0, failed: 0, errors: [] };
}

const importKey = (clientId: string, importId: string) => `imports/${clientId}/${importId}.csv`;

/** The import an upload's `key` field names, with its account. */
export function findImport(accounts: Map<string, SandboxAccount>, key: string): { account: SandboxAccount; record: SandboxImport } | undefined {
  const [, clientId = "", file = ""] = key.split("/");
  const account = accounts.get(clientId);
  const record = account?.importRecords.get(file.replace(/\.csv$/, ""));
  return account && record && record.fields.key === key ? { account, record } : undefined;
}

/**
 * The pre-signed POST, answered as S3 does: 204, or an XML error. Every issued field must come back
 * unchanged, the file last; an expired URL is 403. A second upload for the same import is accepted and ignored.
 */
export async function handleUpload(request: IncomingMessage, response: ServerResponse, accounts: Map<string, SandboxAccount>, sandbox: SandboxRuntime): Promise<void> {
  if (Number(request.headers["content-length"] ?? 0) > MAX_FILE_BYTES) return s3Error(response, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
  let form: FormData;
  try {
    const body = Readable.toWeb(request) as ReadableStream<Uint8Array>;
    form = await new Request("http://upload", { method: "POST", headers: { "content-type": request.headers["content-type"] ?? "" }, body, duplex: "half" } as RequestInit).formData();
  } catch {
    return s3Error(response, 400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.");
  }
  const key = form.get("key");
  const found = typeof key === "string" ? findImport(accounts, key) : undefined;
  if (!found) return s3Error(response, 403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$key\"]");
  const { account, record } = found;
  account.count(`POST ${UPLOAD_PATH}`);
  expireIfDue(record);
  if (Date.now() >= record.uploadExpiresAt) return s3Error(response, 403, "AccessDenied", "Invalid according to Policy: Policy expired.");
  const mismatch = Object.entries(record.fields).find(([name, value]) => form.get(name) !== value);
  if (mismatch) return s3Error(response, 403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$${mismatch[0]}"]`);
  const last = [...form.entries()].at(-1);
  if (!last || last[0] !== "file" || typeof last[1] === "string") return s3Error(response, 400, "InvalidArgument", "POST requires exactly one file upload per request, as the last field");

  if (record.status === "waiting_for_file") run(account, record, await last[1].text(), sandbox);
  response.writeHead(204).end();
}

/** queued now, in_progress one step later, completed or error the step after that. */
function run(account: SandboxAccount, record: SandboxImport, csv: string, sandbox: SandboxRuntime): void {
  record.status = "queued";
  const store = account.data; // an account reset() during the import leaves the fresh store alone
  const section = account.section(record.section);
  sandbox.schedule(() => {
    record.status = "in_progress";
    sandbox.schedule(() => {
      try {
        if (record.failWith) throw new Error(record.failWith);
        importRows(store, section, record, csv);
        record.status = "completed";
      } catch (error) {
        record.status = "error";
        record.error = error instanceof Error ? error.message : String(error);
      }
    }, sandbox.importStepMs);
  }, sandbox.importStepMs);
}

function s3Error(response: ServerResponse, status: number, code: string, message: string): void {
  sendText(response, status, "application/xml", `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeHtml(message)}</Message></Error>`);
}
