import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Layout, Text } from "@shopify/polaris";
import { useState } from "react";
import { useActionToast, type ActionResult } from "../../../components/use-toast";
import { SendChoicesFields } from "./send-choices-fields";
import { SendPreview } from "./send-preview";
import { SendStatus } from "./send-status";
import { choicesToEntries, type DataSyncView, type SendChoicesValue, type SendStatusView } from "./types";

/** Data Sync → On Demand: the choices, their preview, and a send now. */
export function OnDemandTab({ data, status }: { data: DataSyncView; status: SendStatusView }) {
  const send = useFetcher<ActionResult>({ key: "start-send" });
  const [choices, setChoices] = useState<SendChoicesValue>(data.onDemand);
  useActionToast(send.data);
  const errors = send.state === "idle" ? send.data?.errors : undefined;
  const running = Boolean(status.activeRun);
  const submitting = send.state !== "idle";

  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="400">
            <Text as="h2" variant="headingMd">
              Send profiles now
            </Text>
            <SendChoicesFields
              value={choices}
              onChange={setChoices}
              page={data}
              errors={errors}
              form="on-demand"
            />
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section variant="oneThird">
        <Card>
          <BlockStack gap="400">
            <SendPreview choices={choices} fetcherKey="on-demand-preview" />
            {errors?.form ? (
              <Banner tone="critical">
                <p>{errors.form}</p>
              </Banner>
            ) : null}
            <Button
              variant="primary"
              size="large"
              fullWidth
              loading={submitting}
              disabled={running}
              onClick={() => send.submit({ intent: "start-send", ...choicesToEntries(choices) }, { method: "post", action: "/app/data-sync" })}
            >
              {running ? "A send is running" : "Send Profiles to Adestra"}
            </Button>
            <SendStatus status={status} tab="onDemand" timeZone={data.timeZone} />
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
