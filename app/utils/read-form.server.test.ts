import { describe, expect, it } from "vitest";
import { BOUNDS } from "./input-bounds";
import { readActionForm, readBoundedFormData, RequestBodyError } from "./read-form.server";

const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request("http://app.test/app/apsis", { method: "POST", body, headers });

async function refusal(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (error instanceof RequestBodyError) return error;
    throw error;
  }
  throw new Error("expected a RequestBodyError");
}

describe("readBoundedFormData", () => {
  it("reads urlencoded and multipart forms", async () => {
    expect((await readBoundedFormData(post(new URLSearchParams({ intent: "connect" })))).get("intent")).toBe("connect");
    const multipart = new FormData();
    multipart.set("intent", "save");
    expect((await readBoundedFormData(post(multipart))).get("intent")).toBe("save");
  });

  it("refuses more fields than any form has (413)", async () => {
    const fields = new URLSearchParams();
    for (let i = 0; i <= BOUNDS.formFields; i++) fields.append(`f${i}`, "x");
    const error = await refusal(() => readBoundedFormData(post(fields)));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/too many fields/);
  });
});

describe("readActionForm", () => {
  const INTENTS = ["connect", "save-conditions"] as const;

  it("answers an oversized post with 413 and a form message, in the pages' error shape", async () => {
    const result = await readActionForm(post(new URLSearchParams({ intent: "save-conditions", conditions: "x".repeat(BOUNDS.formBodyBytes) })), INTENTS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(413);
    expect(result.response.headers.get("Connection")).toBe("close");
    expect(await result.response.json()).toEqual({ ok: false, errors: { form: expect.stringMatching(/The form is too large/) } });
  });

  it("gives the intent and leaves out empty fields, as formValues does", async () => {
    expect(await readActionForm(post(new URLSearchParams({ intent: "connect", keyspace: "" })), INTENTS)).toEqual({ ok: true, intent: "connect", values: { intent: "connect" } });
  });

  it("answers an intent the page does not have, or none, with 422 Unknown action", async () => {
    for (const body of [new URLSearchParams({ intent: "drop-tables" }), new URLSearchParams({ name: "x" })]) {
      const result = await readActionForm(post(body), INTENTS);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.response.status).toBe(422);
      expect(await result.response.json()).toEqual({ ok: false, errors: { form: "Unknown action" } });
    }
  });
});
