import { useFetcher } from "@remix-run/react";
import { Badge, Button, InlineStack, Text } from "@shopify/polaris";
import { useActionToast, type ActionResult } from "./use-toast";

/** A destination's connection card heading: its title, whether it is connected, and, when it is, the Disconnect button. */
export function ConnectionHeading({ title, connected, fetcherKey, target }: {
  title: string;
  connected: boolean;
  fetcherKey: string;
  target: { method: "post"; action: string };
}) {
  const disconnect = useFetcher<ActionResult>({ key: fetcherKey });
  useActionToast(disconnect.data);
  return (
    <InlineStack gap="200" blockAlign="center" align="space-between">
      <InlineStack gap="200" blockAlign="center">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        {connected ? <Badge tone="success">Connected</Badge> : <Badge>Not connected</Badge>}
      </InlineStack>
      {connected ? (
        <Button
          tone="critical"
          variant="secondary"
          loading={disconnect.state !== "idle"}
          onClick={() => disconnect.submit({ intent: "disconnect" }, target)}
        >
          Disconnect
        </Button>
      ) : null}
    </InlineStack>
  );
}
