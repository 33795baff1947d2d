/**
 * Internal customer-success console: enable (invite) or disable (revoke) shops. NOT behind Shopify auth and
 * not embedded: HTTP Basic auth against OPS_CONSOLE_CREDENTIALS (app/services/ops-auth.server.ts). With no
 * credentials configured the console is disabled and answers 404. Every change is recorded with the Basic-auth
 * username as the actor, via "console"; POSTs must be same-origin (CSRF, see isSameOriginRequest).
 */
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, isRouteErrorResponse, Link, useActionData, useLoaderData, useNavigation, useRouteError } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  FormLayout,
  InlineStack,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { InvitationBadge } from "../components/invitation-badge";
import { PolarisProvider } from "../components/polaris-provider";
import { listInvitationHistory, listShops, setInvitation, ShopDomainSchema } from "../models/shop.server";
import { OpsChangeSchema, requireOpsChange, requireOpsUser, type OpsChangeErrors } from "../services/ops-auth.server";
import { formatDateTime } from "../utils/format-date";
import { readBoundedFormData, RequestBodyError } from "../utils/read-form.server";

export const meta: MetaFunction = () => [{ title: "Ops · Profile Sync" }, { name: "robots", content: "noindex" }];

// The history filter is ?domain=, never ?shop=: entry.server's addDocumentResponseHeaders would read ?shop= and
// allow that shop's admin to frame this page.
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const operator = await requireOpsUser(request, context);
  const domain = ShopDomainSchema.safeParse(new URL(request.url).searchParams.get("domain") ?? "");
  const filter = domain.success ? domain.data : undefined;
  const [shops, history] = await Promise.all([listShops(), listInvitationHistory({ shop: filter, take: 100 })]);
  const utc = (d: Date | null) => formatDateTime(d, "UTC");
  return json({
    operator: operator.username,
    filter: filter ?? null,
    shops: shops.map((s) => ({
      domain: s.domain,
      name: s.name,
      invitation: s.invitation,
      changedBy: s.invitation === "revoked" ? s.revokedBy : s.invitedBy,
      changedAt: utc(s.invitation === "revoked" ? s.revokedAt : s.invitedAt),
      installedAt: utc(s.installedAt),
      uninstalledAt: utc(s.uninstalledAt),
    })),
    history: history.map((e) => ({
      id: e.id,
      at: utc(e.createdAt),
      shop: e.shop.domain,
      action: e.action,
      actor: e.actor,
      via: e.via,
      note: e.note,
    })),
  });
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const operator = await requireOpsChange(request, context);
  let formData: FormData;
  try {
    formData = await readBoundedFormData(request);
  } catch (error) {
    // Shown as the row banner ("The change was not made"); nothing was changed.
    if (error instanceof RequestBodyError) return json({ errors: { shop: error.message } as OpsChangeErrors, form: "row" as const, done: null }, { status: error.status, headers: error.headers });
    throw error;
  }
  const parsed = OpsChangeSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    const errors: OpsChangeErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as keyof OpsChangeErrors;
      errors[field] ??= issue.message;
    }
    const form = formData.get("form") === "add" ? "add" : "row";
    return json({ errors, form, done: null }, { status: 422 });
  }
  const { intent, shop, note, form } = parsed.data;
  await setInvitation({ shop, invited: intent === "invite", actor: operator.username, via: "console", note });
  return json({ errors: null, form, done: { intent, shop, form } });
};

/** Errors keep their WWW-Authenticate; nothing here may be framed, cached or indexed. */
export const headers: HeadersFunction = ({ errorHeaders, actionHeaders, loaderHeaders }) => {
  const headers = new Headers(errorHeaders ?? actionHeaders ?? loaderHeaders);
  headers.set("Content-Security-Policy", "frame-ancestors 'none'");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Cache-Control", "no-store");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Robots-Tag", "noindex");
  return headers;
};

function RowAction({ domain, invitation, busy }: { domain: string; invitation: string; busy: boolean }) {
  const intent = invitation === "invited" ? "revoke" : "invite";
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="shop" value={domain} />
      <Button submit size="slim" tone={intent === "revoke" ? "critical" : undefined} disabled={busy} accessibilityLabel={`${intent === "invite" ? "Invite" : "Revoke"} ${domain}`}>
        {intent === "invite" ? "Invite" : "Revoke"}
      </Button>
    </Form>
  );
}

export default function OpsConsole() {
  const { operator, filter, shops, history } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const [shop, setShop] = useState("");
  const [note, setNote] = useState("");
  const done = actionData?.done;
  // Field errors show on the invite form's fields; a refused row button shows a banner.
  const errors = actionData?.form === "add" ? actionData.errors : null;
  const rowError = actionData?.form === "row" && actionData.errors ? Object.values(actionData.errors)[0] : null;

  useEffect(() => {
    if (done?.form === "add") {
      setShop("");
      setNote("");
    }
  }, [done]);

  return (
    <PolarisProvider>
      <Page title="Customer success console" subtitle={`Signed in as ${operator}`}>
        <Layout>
          {done ? (
            <Layout.Section>
              <Banner tone="success" title={`${done.intent === "invite" ? "Invited" : "Revoked"} ${done.shop}`} />
            </Layout.Section>
          ) : null}
          {rowError ? (
            <Layout.Section>
              <Banner tone="critical" title="The change was not made">
                <p>{rowError}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <Card>
              <Form method="post">
                <input type="hidden" name="intent" value="invite" />
                <input type="hidden" name="form" value="add" />
                <FormLayout>
                  <Text as="h2" variant="headingMd">
                    Invite a shop
                  </Text>
                  <Text as="p" tone="subdued">
                    A shop can be invited before it installs the app; its sync features unlock as soon as it installs.
                  </Text>
                  <FormLayout.Group>
                    <TextField
                      label="Shop domain"
                      name="shop"
                      value={shop}
                      onChange={setShop}
                      placeholder="my-store.myshopify.com"
                      autoComplete="off"
                      error={errors?.shop}
                    />
                    <TextField
                      label="Note (optional)"
                      name="note"
                      value={note}
                      onChange={setNote}
                      autoComplete="off"
                      error={errors?.note}
                    />
                  </FormLayout.Group>
                  <Button submit variant="primary" loading={busy}>
                    Invite
                  </Button>
                </FormLayout>
              </Form>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Shops ({shops.length})
                </Text>
                {shops.length === 0 ? (
                  <Text as="p" tone="subdued">
                    No shop has installed or been invited yet.
                  </Text>
                ) : (
                  <DataTable
                    columnContentTypes={["text", "text", "text", "text", "text", "text", "text"]}
                    headings={["Shop", "Name", "Invitation", "Changed by / at", "Installed", "Uninstalled", ""]}
                    rows={shops.map((s) => [
                      <Link key="domain" to={`/ops?domain=${encodeURIComponent(s.domain)}`}>
                        {s.domain}
                      </Link>,
                      s.name ?? "—",
                      <InvitationBadge key="state" state={s.invitation} />,
                      s.changedBy ? `${s.changedBy}, ${s.changedAt}` : "—",
                      s.installedAt ?? "—",
                      s.uninstalledAt ?? "—",
                      <RowAction key="action" domain={s.domain} invitation={s.invitation} busy={busy} />,
                    ])}
                  />
                )}
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <InlineStack gap="200" align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {filter ? `History of ${filter}` : "History (latest 100 changes)"}
                  </Text>
                  {filter ? <Link to="/ops">All shops</Link> : null}
                </InlineStack>
                {history.length === 0 ? (
                  <Text as="p" tone="subdued">
                    No invitation changes yet.
                  </Text>
                ) : (
                  <DataTable
                    columnContentTypes={["text", "text", "text", "text", "text", "text"]}
                    headings={["When (UTC)", "Shop", "Change", "By", "Via", "Note"]}
                    rows={history.map((e) => [e.at ?? "", e.shop, e.action, e.actor, e.via, e.note ?? ""])}
                  />
                )}
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </PolarisProvider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Disabled console (no credentials configured): an ordinary 404, no hint that a console exists.
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
        <h1>Not found</h1>
      </main>
    );
  }
  const message = !isRouteErrorResponse(error)
    ? "Something went wrong."
    : error.status === 401
      ? "Sign in with your customer-success credentials to use this console."
      : error.status === 403
        ? "The change was refused: it did not come from this console's own page."
        : error.status === 429
          ? String(error.data) // ops-auth.server's words: how long the login is locked
          : `${error.status} ${error.statusText}`;
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
      <h1>Customer success console</h1>
      <p>{message}</p>
    </main>
  );
}
