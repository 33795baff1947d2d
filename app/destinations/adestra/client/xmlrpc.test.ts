import { describe, expect, it } from "vitest";
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  XmlRpcEncodeError,
  XmlRpcParseError,
  type XmlRpcValue,
} from "./xmlrpc";

const roundTrip = (value: XmlRpcValue) => decodeMethodCall(encodeMethodCall("test.echo", [value])).params[0];
const response = (inner: string) => `<?xml version="1.0"?><methodResponse><params><param><value>${inner}</value></param></params></methodResponse>`;

describe("XML-RPC codec", () => {
  it("round-trips every type, nested structs and arrays, in order", () => {
    const value: XmlRpcValue = {
      id: 42,
      negative: -7,
      ratio: 12.5,
      active: true,
      deleted: false,
      name: "Åsa Öberg",
      created: new Date("2024-02-29T23:59:58.000Z"),
      blob: new Uint8Array([0, 1, 254, 255]),
      tags: ["vip", 3, [false, { deep: ["x"] }]],
      empty: { list: [], text: "" },
    };
    expect(roundTrip(value)).toEqual(value);
    expect(decodeMethodCall(encodeMethodCall("contact.create", [1, { email: "a@b.se" }, "email"]))).toEqual({
      methodName: "contact.create",
      params: [1, { email: "a@b.se" }, "email"],
    });
  });

  it("escapes markup characters and keeps unicode, whitespace and carriage returns exactly", () => {
    const text = ` a & b <c> ]]> "q" 'a' é 😀 line\r\nnext\ttab `;
    const xml = encodeMethodCall("t.t", [text]);
    expect(xml).toContain("a &amp; b &lt;c&gt; ]]&gt;");
    expect(xml).toContain("é 😀"); // UTF-8, not character references
    expect(roundTrip(text)).toBe(text);
    expect(roundTrip({ "odd & <name>": 1 })).toEqual({ "odd & <name>": 1 });
  });

  it("leaves undefined and null struct members out, and refuses what XML-RPC cannot carry", () => {
    const xml = encodeMethodCall("contact.create", [1, { email: "a@b.se", phone: undefined, city: null }]);
    expect(xml).not.toContain("phone");
    expect(xml).not.toContain("city");
    expect(xml).not.toContain("nil");
    expect(() => encodeMethodCall("t.t", [null])).toThrow(XmlRpcEncodeError);
    expect(() => encodeMethodCall("t.t", [[1, null]])).toThrow(/parameter 1 of t.t\[1\]/);
    expect(() => encodeMethodCall("t.t", [Number.NaN])).toThrow(XmlRpcEncodeError);
    expect(() => encodeMethodCall("t.t", [{ note: "bell\u0007" }])).toThrow(/control character/);
    expect(() => encodeMethodCall("t.t", ["\uD800"])).toThrow(XmlRpcEncodeError);
  });

  it("sends 32-bit whole numbers as int and anything else as double", () => {
    expect(encodeMethodCall("t.t", [7, 2 ** 31, 0.5])).toContain("<int>7</int></value></param><param><value><double>2147483648</double>");
    expect(roundTrip(7_234_567_890_123)).toBe(7_234_567_890_123);
  });

  it("decodes the variants servers send: untyped strings, i4, i8, numeric strings left alone, ISO dates with a zone", () => {
    expect(decodeMethodResponse(response("  plain text "))).toEqual({ ok: true, value: "  plain text " });
    expect(decodeMethodResponse(response(" <i4> 12 </i4> "))).toEqual({ ok: true, value: 12 });
    expect(decodeMethodResponse(response("<i8>9007199254740991</i8>"))).toEqual({ ok: true, value: 9007199254740991 });
    expect(decodeMethodResponse(response("<string>007</string>"))).toEqual({ ok: true, value: "007" });
    expect(decodeMethodResponse(response("<string/>"))).toEqual({ ok: true, value: "" });
    expect(decodeMethodResponse(response("<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"))).toEqual({
      ok: true,
      value: new Date("1998-07-17T14:08:55Z"),
    });
    expect(decodeMethodResponse(response("<dateTime.iso8601>2024-01-02T03:04:05+02:00</dateTime.iso8601>"))).toEqual({
      ok: true,
      value: new Date("2024-01-02T01:04:05Z"),
    });
    expect(decodeMethodResponse(response("<struct><member><name>gone</name><value><nil/></value></member></struct>"))).toEqual({
      ok: true,
      value: { gone: null },
    });
  });

  it("reads booleans strictly as 0 or 1", () => {
    expect(decodeMethodResponse(response("<boolean>1</boolean>"))).toEqual({ ok: true, value: true });
    expect(decodeMethodResponse(response("<boolean>0</boolean>"))).toEqual({ ok: true, value: false });
    expect(() => decodeMethodResponse(response("<boolean>true</boolean>"))).toThrow(XmlRpcParseError);
  });

  it("parses the standard fault format, and encodes it the same way", () => {
    const wire =
      "<?xml version='1.0'?>\n<methodResponse>\n  <fault>\n    <value><struct>\n" +
      "      <member><name>faultCode</name><value><int>207</int></value></member>\n" +
      "      <member><name>faultString</name><value><string>Object not found.</string></value></member>\n" +
      "    </struct></value>\n  </fault>\n</methodResponse>\n";
    const fault = { faultCode: 207, faultString: "Object not found." };
    expect(decodeMethodResponse(wire)).toEqual({ ok: false, fault });
    expect(decodeMethodResponse(encodeFault(fault))).toEqual({ ok: false, fault });
    expect(decodeMethodResponse(encodeMethodResponse([1, "two"]))).toEqual({ ok: true, value: [1, "two"] });
  });

  it("tells malformed XML (-32700) from well-formed XML that is not XML-RPC (-32600)", () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof XmlRpcParseError ? error.code : error;
      }
    };
    expect(code(() => decodeMethodResponse("<methodResponse><params>"))).toBe(-32700);
    expect(code(() => decodeMethodResponse("<html><body>502 Bad Gateway</body></html>"))).toBe(-32600);
    expect(code(() => decodeMethodResponse(response("<int>twelve</int>")))).toBe(-32600);
    expect(code(() => decodeMethodResponse(response("<float>1</float>")))).toBe(-32600);
    expect(code(() => decodeMethodResponse("<methodResponse><params></params></methodResponse>"))).toBe(-32600);
    expect(code(() => decodeMethodCall("<methodCall><params/></methodCall>"))).toBe(-32600);
    expect(code(() => decodeMethodCall('<!DOCTYPE x [<!ENTITY e "boom">]><methodCall><methodName>&e;</methodName></methodCall>'))).toBe(-32600);
  });
});
