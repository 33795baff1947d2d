import { useFetcher } from "@remix-run/react";
import { BlockStack, Box, InlineStack, List, Spinner, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { choicesToEntries, type SendChoicesValue } from "./types";

export type PreviewExample = { email: string; firstName?: string | null; lastName?: string | null };
export type PreviewResult = { count?: number; examples?: PreviewExample[]; errors?: Partial<Record<string, string>> };

const DEBOUNCE_MS = 400;

/**
 * How many profiles the current choices would send, and a few of them, from the preview resource route
 * (app.data-sync.preview.tsx). Reloaded (debounced) whenever the choices change.
 */
export function SendPreview({ choices, fetcherKey }: { choices: SendChoicesValue; fetcherKey: string }) {
  const preview = useFetcher<PreviewResult>({ key: fetcherKey });
  // The count does not depend on the list: only the group and the dates reload it.
  const { listId: _list, ...counted } = choicesToEntries(choices);
  const query = new URLSearchParams(counted).toString();
  const { load } = preview;

  useEffect(() => {
    const timer = setTimeout(() => load(`/app/data-sync/preview?${query}`), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, load]);

  const data = preview.data;
  const loading = preview.state !== "idle" || !data;
  const problem = data?.errors ? Object.values(data.errors).find(Boolean) : undefined;

  return (
    <Box padding="400" background="bg-surface-secondary" borderRadius="200">
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h3" variant="headingSm">
            Preview
          </Text>
          {loading ? <Spinner size="small" accessibilityLabel="Counting profiles" /> : null}
          {loading && data ? (
            <Text as="span" tone="subdued">
              updating for your choices…
            </Text>
          ) : null}
        </InlineStack>
        {problem ? (
          <Text as="p" tone="subdued">
            {problem}
          </Text>
        ) : data?.count !== undefined ? (
          <BlockStack gap="200">
            <p data-testid="send-preview-count" aria-live="polite">
              <Text as="span" variant="headingMd" tone={loading ? "subdued" : undefined}>
                {data.count === 1 ? "1 profile will be sent" : `${data.count.toLocaleString("en-US")} profiles will be sent`}
              </Text>
            </p>
            {data.examples?.length ? (
              <BlockStack gap="100">
                <Text as="p" tone="subdued">
                  For example:
                </Text>
                <List>
                  {data.examples.slice(0, 5).map((example) => (
                    <List.Item key={example.email}>
                      <Text as="p" breakWord>
                        {[example.firstName, example.lastName].filter(Boolean).join(" ") || "(no name)"}
                      </Text>
                      <Text as="p" tone="subdued" variant="bodySm" breakWord>
                        {example.email}
                      </Text>
                    </List.Item>
                  ))}
                </List>
              </BlockStack>
            ) : null}
          </BlockStack>
        ) : (
          <Text as="p" tone="subdued">
            Counting the profiles your choices would send…
          </Text>
        )}
      </BlockStack>
    </Box>
  );
}
