import { GraphqlQueryError, HttpResponseError } from "@shopify/shopify-api";
import { z } from "zod";
import {
  ShopifyAuthError,
  ShopifyGraphqlError,
  ShopifyHttpError,
  ShopifyMalformedDataError,
  ShopifyThrottledError,
} from "./errors";
import { sleep as realSleep, type Sleep } from "./sleep";

type Variables = Record<string, unknown>;

/** The part of the library's admin context (`unauthenticated.admin(shop).admin`) the reader uses. */
export type AdminGraphqlClient = {
  graphql(query: string, options?: { variables?: Variables; signal?: AbortSignal }): Promise<Response>;
};

/** Runs one operation and resolves to its `data`; THROTTLED replies are waited out, other failures are typed. */
export type ShopifyGraphql = (document: string, options?: { variables?: Variables; signal?: AbortSignal }) => Promise<unknown>;

/** Added to the computed refill time: the bucket refills continuously, and other workers share it. */
export const THROTTLE_MARGIN_MS = 250;
/** When a THROTTLED reply carries no throttleStatus (it always should), wait this long. */
const UNKNOWN_THROTTLE_WAIT_MS = 1_000;

const CostSchema = z.object({
  requestedQueryCost: z.number(),
  throttleStatus: z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number().positive() }),
});

/**
 * Wraps the library's admin client. The library raises a THROTTLED reply (HTTP 200) as GraphqlQueryError and
 * retries only 429/503, so this waits for the bucket to hold the requested cost and asks again — as often as
 * it takes, until `throttleDeadlineMs` has passed for that request (then ShopifyThrottledError) or the
 * request's signal aborts.
 */
export function createShopifyGraphql({
  admin,
  shop,
  sleep = realSleep,
  now = Date.now,
  throttleDeadlineMs = 10 * 60_000,
}: {
  admin: AdminGraphqlClient;
  shop?: string;
  sleep?: Sleep;
  now?: () => number;
  throttleDeadlineMs?: number;
}): ShopifyGraphql {
  return async (document, { variables, signal } = {}) => {
    const deadline = now() + throttleDeadlineMs;
    for (;;) {
      let response: Response;
      try {
        response = await admin.graphql(document, { variables, signal });
      } catch (error) {
        // The library reports an aborted fetch as a generic request error; the caller asked for the abort.
        if (signal?.aborted) throw signal.reason;
        const waitMs = throttleWaitMs(error);
        if (waitMs === undefined) throw toShopifyError({ error, shop });
        if (now() + waitMs > deadline) throw new ShopifyThrottledError(waitMs);
        await sleep(waitMs, signal);
        continue;
      }
      const body: unknown = await response.json();
      if (!isObject(body) || !isObject(body.data)) throw new ShopifyMalformedDataError("data", "the response has no data object");
      return body.data;
    }
  };
}

/** ms to wait before retrying a THROTTLED reply; undefined for any other error; throws when waiting cannot help. */
function throttleWaitMs(error: unknown): number | undefined {
  if (!(error instanceof GraphqlQueryError) || !graphqlErrors(error).some((e) => e.code === "THROTTLED")) return undefined;
  const cost = CostSchema.safeParse(error.body?.extensions?.cost);
  if (!cost.success) return UNKNOWN_THROTTLE_WAIT_MS;
  const { requestedQueryCost, throttleStatus } = cost.data;
  // A query dearer than the whole bucket can never run: waiting would loop for ever.
  if (requestedQueryCost > throttleStatus.maximumAvailable) {
    throw new ShopifyGraphqlError(
      [`query cost ${requestedQueryCost} exceeds the shop's bucket of ${throttleStatus.maximumAvailable}; ask for fewer records per page`],
      ["THROTTLED"],
    );
  }
  const missing = Math.max(0, requestedQueryCost - throttleStatus.currentlyAvailable);
  return Math.ceil((missing / throttleStatus.restoreRate) * 1000) + THROTTLE_MARGIN_MS;
}

function toShopifyError({ error, shop }: { error: unknown; shop?: string }): unknown {
  if (error instanceof GraphqlQueryError) {
    const errors = graphqlErrors(error);
    return new ShopifyGraphqlError(errors.map((e) => e.message), errors.map((e) => e.code));
  }
  if (error instanceof HttpResponseError) {
    const { code, statusText } = error.response;
    return code === 401 ? new ShopifyAuthError(shop, `HTTP 401 ${statusText}`) : new ShopifyHttpError(code, error.message);
  }
  return error;
}

function graphqlErrors(error: GraphqlQueryError): { message: string; code?: string }[] {
  const list: unknown = error.body?.errors?.graphQLErrors;
  if (!Array.isArray(list) || list.length === 0) return [{ message: error.message }];
  return list.map((e) => ({
    message: isObject(e) && typeof e.message === "string" ? e.message : JSON.stringify(e),
    code: isObject(e) && isObject(e.extensions) && typeof e.extensions.code === "string" ? e.extensions.code : undefined,
  }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
