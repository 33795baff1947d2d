import type { LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { BlockStack, Box, Button, Card, FormLayout, List, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { PolarisProvider } from "../../components/polaris-provider";
import { login } from "../../shopify.server";

/** The public landing page. Shopify opens the app with ?shop=…: that goes straight to the embedded app. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return json({ showForm: Boolean(login) });
};

export default function Landing() {
  const { showForm } = useLoaderData<typeof loader>();
  const [shop, setShop] = useState("");
  return (
    <PolarisProvider>
      <Page narrowWidth>
        <BlockStack gap="400">
          <Box paddingBlockStart="800">
            <BlockStack gap="200">
              <Text as="h1" variant="heading2xl">
                Profile Sync for Adestra and APSIS One
              </Text>
              <Text as="p" tone="subdued">
                Keep your Shopify customer profiles and their marketing consent in your email-marketing platform.
              </Text>
            </BlockStack>
          </Box>
          {showForm ? (
            <Card>
              <Form method="post" action="/auth/login">
                <FormLayout>
                  <TextField
                    type="text"
                    name="shop"
                    label="Shop domain"
                    helpText="e.g. my-shop-domain.myshopify.com"
                    value={shop}
                    onChange={setShop}
                    autoComplete="on"
                  />
                  <Button submit variant="primary">
                    Log in
                  </Button>
                </FormLayout>
              </Form>
            </Card>
          ) : null}
          <Card>
            <List>
              <List.Item>Adestra: send profiles to a list on demand or every day.</List.Item>
              <List.Item>APSIS One: real-time and full sync, with consent mapped to your topics.</List.Item>
              <List.Item>Invitation only: your customer success manager enables your store.</List.Item>
            </List>
          </Card>
        </BlockStack>
      </Page>
    </PolarisProvider>
  );
}
