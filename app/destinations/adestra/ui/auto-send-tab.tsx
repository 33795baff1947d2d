import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Checkbox, InlineStack, Layout, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useActionToast, type ActionResult } from "../../../components/use-toast";
import { SendChoicesFields } from "./send-choices-fields";
import { SendStatus } from "./send-status";
import { choicesToEntries, type DataSyncView, type SendChoicesValue, type SendStatusView } from "./types";

/** Data Sync → Auto Send: the daily send's saved choices, its schedule, and Send now. */
export function AutoSendTab({ data, status }: { data: DataSyncView; status: SendStatusView }) {
  const save = useFetcher<ActionResult>({ key: "save-auto" });
  const now = useFetcher<ActionResult>({ key: "send-now" });
  const [choices, setChoices] = useState<SendChoicesValue>(data.auto.choices);
  const [enabled, setEnabled] = useState(data.auto.enabled);
  // A Send now refusal answered before a successful save ("Save the Auto Send settings first.") is stale after it.
  const [staleNowAnswer, setStaleNowAnswer] = useState<ActionResult | undefined>(undefined);
  useActionToast(save.data);
  useActionToast(now.data);
  // After a save the page data holds what was stored: show that (other reloads keep unsaved edits).
  useEffect(() => {
    if (save.state === "idle" && save.data?.ok) {
      setChoices(data.auto.choices);
      setEnabled(data.auto.enabled);
      setStaleNowAnswer(now.data);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [save.state, save.data]);

  // Saved on and still ticked: the choices are read-only. Unticking unlocks them at once; ticking again locks
  // what was changed, and one Save stores it (untick, change, tick, Save).
  const locked = data.auto.enabled && enabled;
  const errors = save.state === "idle" ? save.data?.errors : undefined;
  const nowError = now.state === "idle" && now.data !== staleNowAnswer ? now.data?.errors?.form : undefined;
  const running = Boolean(status.activeRun);

  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="400">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd">
                Send profiles every day
              </Text>
              {data.auto.enabled ? <Badge tone="success">On</Badge> : <Badge>Off</Badge>}
            </InlineStack>
            {locked ? (
              <Banner tone="info">
                <p>
                  Auto Send is on with these settings. To change them, untick <b>Automatically send profiles</b>,
                  make the changes, tick it again and save.
                </p>
              </Banner>
            ) : null}
            <SendChoicesFields
              value={choices}
              onChange={setChoices}
              page={data}
              disabled={locked}
              errors={errors}
              form="auto"
            />
            <Checkbox
              label="Automatically send profiles"
              helpText="Once a day, at a time in your store's timezone, with the choices above. Profiles unchanged since the last send are skipped."
              checked={enabled}
              onChange={setEnabled}
              error={errors?.enabled}
            />
            {errors?.form ? (
              <Banner tone="critical">
                <p>{errors.form}</p>
              </Banner>
            ) : null}
            <InlineStack gap="200">
              <Button
                variant="primary"
                loading={save.state !== "idle"}
                onClick={() =>
                  save.submit(
                    { intent: "save-auto", enabled: String(enabled), ...choicesToEntries(choices) },
                    { method: "post", action: "/app/data-sync" },
                  )
                }
              >
                Save Settings
              </Button>
            </InlineStack>
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section variant="oneThird">
        <Card>
          <BlockStack gap="400">
            <Text as="h2" variant="headingMd">
              Schedule
            </Text>
            <BlockStack gap="100">
              <Text as="p">
                Every day at {data.auto.timeOfDay} ({data.timeZone}), while auto send is on.
              </Text>
              <Text as="p">
                <span data-testid="auto-next-run">
                  Next run: {data.auto.enabled ? data.auto.nextRunAt ?? "being scheduled" : "none (auto send is off)"}
                </span>
              </Text>
            </BlockStack>
            {nowError ? (
              <Banner tone="critical">
                <p>{nowError}</p>
              </Banner>
            ) : null}
            <Box>
              <Button
                loading={now.state !== "idle"}
                disabled={running}
                onClick={() => now.submit({ intent: "send-now" }, { method: "post", action: "/app/data-sync" })}
              >
                {running ? "A send is running" : "Send now"}
              </Button>
            </Box>
            <Text as="p" tone="subdued" variant="bodySm">
              Send now runs a send immediately with the saved settings.
            </Text>
            <SendStatus status={status} tab="auto" timeZone={data.timeZone} />
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
