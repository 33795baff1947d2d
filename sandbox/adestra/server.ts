/**
 * The Adestra sandbox: a local XML-RPC server (node:http) that behaves as Adestra's documented API does, so
 * the app's Adestra client runs and is tested with no Adestra account and no network. See README.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { FAULT } from "../../app/destinations/adestra/client/fault-codes";
import { decodeMethodCall, encodeFault, encodeMethodResponse, XmlRpcParseError } from "../../app/destinations/adestra/client/xmlrpc";
import type { Fetch } from "../../app/http/request";
import { servesInspection } from "../inspection";
import { readBody, sendText } from "../shopify/http";
import { type AdestraSandboxAccount, SandboxAccount } from "./account";
import { ImportRunner } from "./contact-import";
import { handleAdestraInspection } from "./inspection";
import { SandboxFault } from "./faults";
import { callMethod } from "./methods";
import type { AdestraSandboxAccountConfig } from "./model";

export type { AdestraSandboxAccount, AdestraSandboxStats } from "./account";
export type { ImportFault, SandboxImport } from "./contact-import";
export type { AdestraSandboxAccountConfig } from "./model";
export { SHOPIFY_CORE_FIELDS } from "./model";
export { DEMO_ACCOUNT, demoAdestraAccount } from "./demo";

const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default("127.0.0.1"),
  accounts: z.array(z.custom<AdestraSandboxAccountConfig>((value) => typeof value === "object" && value !== null)).min(1),
  /** Per account; a request over it is answered with fault 304. */
  rateLimit: z.object({ requestsPerSecond: z.number().positive() }).optional(),
  /** What contact.import fetches the file URL with. */
  fetch: z.custom<Fetch>((value) => typeof value === "function").optional(),
  /** One line per call (the CLI's --verbose). */
  log: z.custom<(line: string) => void>((value) => typeof value === "function").optional(),
});

export type AdestraSandboxOptions = z.input<typeof OptionsSchema>;

export interface AdestraSandbox {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/xmlrpc`: the client's baseUrl. */
  xmlrpcUrl: string;
  account(name: string): AdestraSandboxAccount;
  close(): Promise<void>;
}

export const XMLRPC_PATH = "/api/xmlrpc";

export async function startAdestraSandbox(input: AdestraSandboxOptions): Promise<AdestraSandbox> {
  const options = OptionsSchema.parse(input);
  const log = options.log ?? (() => {});
  const imports = new ImportRunner(options.fetch ?? globalThis.fetch);
  const accounts = new Map<string, SandboxAccount>();
  for (const config of options.accounts) {
    const account = new SandboxAccount(config, options.rateLimit?.requestsPerSecond);
    if (accounts.has(account.name)) throw new Error(`The account ${account.name} is configured twice.`);
    accounts.set(account.name, account);
  }
  const byLogin = new Map([...accounts.values()].map((account) => [account.login, account]));

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      log(`error: ${error.stack ?? error.message}`);
      if (!response.headersSent) sendText(response, 500, "text/plain", "Internal Server Error");
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://sandbox");
    const { pathname } = url;
    if (servesInspection(options.host, pathname)) return handleAdestraInspection(request, response, url, accounts);
    // The legacy host's URL ends with a slash (Adestra's Magento module); both forms work.
    if (pathname !== XMLRPC_PATH && pathname !== `${XMLRPC_PATH}/`) return sendText(response, 404, "text/plain", "Not Found");
    if (request.method !== "POST") return sendText(response, 405, "text/plain", "Method Not Allowed", { allow: "POST" });

    const credentials = basicCredentials(request.headers.authorization);
    const account = credentials && byLogin.get(credentials.login);
    // A login Adestra does not know is HTTP 401, not a fault; an account that is "down" answers 503 first.
    if (!account) return unauthorized(response);
    if (!account.admit()) return sendText(response, 503, "text/html", "<html><body><h1>503 Service Unavailable</h1></body></html>");
    if (!account.checkPassword(credentials.password)) return unauthorized(response);

    const reply = (text: string) => sendText(response, 200, "text/xml; charset=utf-8", text);
    const fault = (error: SandboxFault) => {
      account.countFault(error.code);
      log(`${account.name}: fault ${error.code} ${error.message}`);
      return reply(encodeFault(error.toFault()));
    };
    if (!account.withinRateLimit()) return fault(new SandboxFault(FAULT.RATE_LIMITED));
    const body = await readBody(request);
    try {
      const call = decodeMethodCall(body);
      log(`${account.name}: ${call.methodName}`);
      const result = callMethod({ data: account.data, imports, importFault: account.importFault }, call.methodName, call.params);
      account.countServed(call.methodName);
      return reply(encodeMethodResponse(result));
    } catch (error) {
      if (error instanceof XmlRpcParseError) return fault(new SandboxFault(error.code, error.message));
      if (error instanceof SandboxFault) return fault(error);
      throw error;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  return {
    url,
    xmlrpcUrl: `${url}${XMLRPC_PATH}`,
    account(name) {
      const account = accounts.get(name);
      if (!account) throw new Error(`The Adestra sandbox has no account '${name}' (it has ${[...accounts.keys()].join(", ")}).`);
      return account;
    },
    async close() {
      await imports.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function basicCredentials(header: string | undefined): { login: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function unauthorized(response: ServerResponse): void {
  sendText(response, 401, "text/plain", "Authorization Required", { "www-authenticate": 'Basic realm="Adestra API"' });
}
