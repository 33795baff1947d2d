/**
 * The XML-RPC codec (http://xmlrpc.com/spec.md) shared by the Adestra client and the Adestra sandbox, so both
 * sides of every test speak the same wire format. Values map to JS as:
 *   int/i4/i8 ⇄ integer number (int32 range), double ⇄ other finite number, boolean ⇄ boolean,
 *   string (or an untyped <value>) ⇄ string, dateTime.iso8601 ⇄ Date, base64 ⇄ Uint8Array,
 *   struct ⇄ plain object, array ⇄ array. <nil/> is decoded to null but never sent (not in the spec).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export type XmlRpcValue = string | number | boolean | Date | Uint8Array | null | XmlRpcValue[] | XmlRpcStruct;
/** undefined and null members are left out when encoding, as real clients do (Adestra has no nil). */
export type XmlRpcStruct = { [member: string]: XmlRpcValue | undefined };

export interface XmlRpcFault {
  faultCode: number;
  faultString: string;
}

export type XmlRpcResponse = { ok: true; value: XmlRpcValue } | { ok: false; fault: XmlRpcFault };

/**
 * The text is not a well-formed XML document (code -32700) or not an XML-RPC message (-32600): the
 * interoperability fault codes (http://xmlrpc-epi.sourceforge.net/specs/rfc.fault_codes.php).
 */
export class XmlRpcParseError extends Error {
  constructor(
    readonly code: -32700 | -32600,
    detail: string,
  ) {
    super(`${code === -32700 ? "not well-formed XML" : "not a valid XML-RPC message"}: ${detail}`);
    this.name = "XmlRpcParseError";
  }
}

/** A value that XML-RPC cannot carry (null in an array, NaN, a control character…). */
export class XmlRpcEncodeError extends TypeError {
  constructor(path: string, detail: string) {
    super(`Cannot encode ${path} as XML-RPC: ${detail}`);
    this.name = "XmlRpcEncodeError";
  }
}

// ---------------------------------------------------------------------------------------------- encoding

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Characters XML 1.0 cannot carry at all, not even as character references, and unpaired surrogates.
const UNENCODABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function encodeMethodCall(methodName: string, params: readonly XmlRpcValue[]): string {
  const encoded = params.map((param, index) => `<param>${encodeValue(param, `parameter ${index + 1} of ${methodName}`)}</param>`);
  return `${XML_DECLARATION}<methodCall><methodName>${escapeText(methodName, "the method name")}</methodName><params>${encoded.join("")}</params></methodCall>`;
}

export function encodeMethodResponse(value: XmlRpcValue): string {
  return `${XML_DECLARATION}<methodResponse><params><param>${encodeValue(value, "the result")}</param></params></methodResponse>`;
}

export function encodeFault({ faultCode, faultString }: XmlRpcFault): string {
  return `${XML_DECLARATION}<methodResponse><fault>${encodeValue({ faultCode, faultString }, "the fault")}</fault></methodResponse>`;
}

function encodeValue(value: XmlRpcValue, path: string): string {
  return `<value>${encodeInner(value, path)}</value>`;
}

function encodeInner(value: XmlRpcValue, path: string): string {
  if (value === null) throw new XmlRpcEncodeError(path, "null has no XML-RPC type (leave the member out instead)");
  switch (typeof value) {
    case "string":
      return `<string>${escapeText(value, path)}</string>`;
    case "boolean":
      return `<boolean>${value ? 1 : 0}</boolean>`;
    case "number":
      if (!Number.isFinite(value)) throw new XmlRpcEncodeError(path, `${value} is not a finite number`);
      // <int> is 32-bit; a larger whole number still fits a double exactly (up to 2^53).
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? `<int>${value}</int>` : `<double>${value}</double>`;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new XmlRpcEncodeError(path, "invalid Date");
    return `<dateTime.iso8601>${formatDateTime(value)}</dateTime.iso8601>`;
  }
  if (value instanceof Uint8Array) return `<base64>${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")}</base64>`;
  if (Array.isArray(value)) return `<array><data>${value.map((item, index) => encodeValue(item, `${path}[${index}]`)).join("")}</data></array>`;
  const members = Object.entries(value)
    .filter((entry): entry is [string, XmlRpcValue] => entry[1] !== undefined && entry[1] !== null)
    .map(([name, member]) => `<member><name>${escapeText(name, `${path} member name`)}</name>${encodeValue(member, `${path}.${name}`)}</member>`);
  return `<struct>${members.join("")}</struct>`;
}

function escapeText(text: string, path: string): string {
  if (UNENCODABLE.test(text)) throw new XmlRpcEncodeError(path, "the text contains a control character or an unpaired surrogate");
  // \r must be a character reference: XML parsers turn a literal CR (and CRLF) into LF.
  return text.replace(/[&<>\r]/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;" })[char]!);
}

/** The spec's form, 19980717T14:08:55, in UTC (the spec has no zone; UTC is what both sides assume here). */
function formatDateTime(date: Date): string {
  const iso = date.toISOString(); // 2024-01-31T10:20:30.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}`;
}

// ---------------------------------------------------------------------------------------------- decoding

// preserveOrder keeps params and array items in order and separates mixed content; number parsing is off so
// "007" stays a string; htmlEntities makes the parser decode character references (&#13; &#x1F600;).
const parser = new XMLParser({
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: true,
});

type XmlNode = Record<string, unknown>;
interface Element {
  tag: string;
  children: XmlNode[];
}

export function decodeMethodCall(xml: string): { methodName: string; params: XmlRpcValue[] } {
  const root = parseRoot(xml, "methodCall");
  const parts = elements(root.children, "methodCall");
  const name = parts.find((part) => part.tag === "methodName");
  if (!name) throw invalid("methodCall has no methodName");
  const methodName = text(name).trim();
  if (!methodName) throw invalid("methodName is empty");
  const params = parts.find((part) => part.tag === "params");
  return { methodName, params: params ? decodeParams(params) : [] };
}

export function decodeMethodResponse(xml: string): XmlRpcResponse {
  const root = parseRoot(xml, "methodResponse");
  const [part, ...extra] = elements(root.children, "methodResponse");
  if (!part || extra.length) throw invalid("methodResponse must hold exactly one params or fault element");
  if (part.tag === "fault") return { ok: false, fault: decodeFault(part) };
  if (part.tag !== "params") throw invalid(`unexpected <${part.tag}> in methodResponse`);
  const params = decodeParams(part);
  if (params.length !== 1) throw invalid(`a response carries exactly one param, not ${params.length}`);
  return { ok: true, value: params[0] };
}

function decodeFault(fault: Element): XmlRpcFault {
  const value = decodeValue(only(fault, "value"));
  if (!isStruct(value) || typeof value.faultCode !== "number" || !Number.isInteger(value.faultCode) || typeof value.faultString !== "string") {
    throw invalid("a fault must be a struct with an int faultCode and a string faultString");
  }
  return { faultCode: value.faultCode, faultString: value.faultString };
}

function decodeParams(params: Element): XmlRpcValue[] {
  return elements(params.children, "params").map((param) => {
    if (param.tag !== "param") throw invalid(`unexpected <${param.tag}> in params`);
    return decodeValue(only(param, "value"));
  });
}

function decodeValue(value: Element): XmlRpcValue {
  // An untyped <value>text</value> is a string, whitespace included.
  if (value.children.every((node) => "#text" in node)) return text(value);
  const [typed, ...extra] = elements(value.children, "value");
  if (extra.length) throw invalid("a value holds one typed element");
  const content = () => text(typed);
  switch (typed.tag) {
    case "string":
      return content();
    case "int":
    case "i4":
    case "i8":
      return parseInteger(content());
    case "double":
      return parseDouble(content());
    case "boolean": {
      const flag = content().trim();
      if (flag !== "0" && flag !== "1") throw invalid(`boolean must be 0 or 1, not "${flag}"`);
      return flag === "1";
    }
    case "dateTime.iso8601":
      return parseDateTime(content());
    case "base64":
      return new Uint8Array(Buffer.from(content().replace(/\s+/g, ""), "base64"));
    case "nil":
      return null;
    case "array":
      return elements(only(typed, "data").children, "data").map((item) => {
        if (item.tag !== "value") throw invalid(`unexpected <${item.tag}> in array data`);
        return decodeValue(item);
      });
    case "struct":
      return Object.fromEntries(elements(typed.children, "struct").map(decodeMember));
    default:
      throw invalid(`unknown value type <${typed.tag}>`);
  }
}

function decodeMember(member: Element): [string, XmlRpcValue] {
  if (member.tag !== "member") throw invalid(`unexpected <${member.tag}> in struct`);
  const parts = elements(member.children, "member");
  const name = parts.find((part) => part.tag === "name");
  const value = parts.find((part) => part.tag === "value");
  if (!name || !value || parts.length !== 2) throw invalid("a struct member holds one name and one value");
  return [text(name), decodeValue(value)];
}

function parseInteger(raw: string): number {
  const trimmed = raw.trim();
  const number = Number(trimmed);
  if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(number)) throw invalid(`"${raw}" is not an integer`);
  return number;
}

function parseDouble(raw: string): number {
  const trimmed = raw.trim();
  const number = Number(trimmed);
  if (!trimmed || !Number.isFinite(number)) throw invalid(`"${raw}" is not a double`);
  return number;
}

const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Accepts the spec's 19980717T14:08:55 and full ISO 8601; a time without zone is read as UTC. */
function parseDateTime(raw: string): Date {
  const match = DATE_TIME.exec(raw.trim());
  if (!match) throw invalid(`"${raw}" is not an ISO 8601 date-time`);
  const [, year, month, day, hour, minute, second, fraction = "", zone = "Z"] = match;
  const offset = zone === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${offset}`);
  if (Number.isNaN(date.getTime())) throw invalid(`"${raw}" is not a valid date-time`);
  return date;
}

function parseRoot(xml: string, expected: "methodCall" | "methodResponse"): Element {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) throw new XmlRpcParseError(-32700, `${validation.err.msg} (line ${validation.err.line})`);
  // XML-RPC never needs a DTD; refusing one rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(xml)) throw invalid("a DOCTYPE is not allowed");
  const roots = elements(parser.parse(xml) as XmlNode[], "the document");
  if (roots.length !== 1 || roots[0].tag !== expected) throw invalid(`expected a <${expected}> document`);
  return roots[0];
}

/** Element children; whitespace between them is ignored, any other text is an error. */
function elements(nodes: XmlNode[], where: string): Element[] {
  const result: Element[] = [];
  for (const node of nodes) {
    const [tag] = Object.keys(node);
    if (tag === "#text") {
      if (String(node[tag]).trim()) throw invalid(`unexpected text in ${where}`);
    } else if (tag !== undefined) {
      result.push({ tag, children: node[tag] as XmlNode[] });
    }
  }
  return result;
}

/** The text content of an element that must hold no elements. */
function text(element: Element): string {
  if (element.children.some((node) => Object.keys(node)[0] !== "#text")) throw invalid(`<${element.tag}> must hold text only`);
  return element.children.map((node) => String(node["#text"])).join("");
}

function only(element: Element, tag: string): Element {
  const children = elements(element.children, element.tag);
  if (children.length !== 1 || children[0].tag !== tag) throw invalid(`<${element.tag}> must hold exactly one <${tag}>`);
  return children[0];
}

export function isStruct(value: XmlRpcValue | undefined): value is { [member: string]: XmlRpcValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

const invalid = (detail: string) => new XmlRpcParseError(-32600, detail);
