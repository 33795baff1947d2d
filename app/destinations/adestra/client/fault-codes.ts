/**
 * Adestra's published XML-RPC fault codes and their texts (docs/apis/adestra-api.md §9.1, from the table in
 * pymessagefocus that labels them "MessageFocus declared / published fault codes"). The client classifies on
 * them; the sandbox answers with them.
 */
export const FAULT = {
  UNAVAILABLE: 101,
  DISABLED: 102,
  /** Undocumented catch-all; real servers put raw SQL/Perl detail in its string. */
  GENERIC: 200,
  MALFORMED_REQUEST: 201,
  NO_SUCH_NAMESPACE: 202,
  NO_SUCH_METHOD: 203,
  BAD_ARGUMENT: 204,
  READ_ONLY_FIELD: 205,
  BAD_OPTION: 206,
  NOT_FOUND: 207,
  PERMISSION_DENIED: 208,
  NO_SUCH_USER: 209,
  BAD_ENCODING: 210,
  INVALID_FIELD: 211,
  INVALID_EMAIL: 214,
  NOT_PUBLISHED: 216,
  NOT_AUTHENTICATED: 301,
  NOT_AUTHORISED: 302,
  OVER_QUOTA: 303,
  RATE_LIMITED: 304,
  ACCOUNT_DISABLED: 305,
  /** XML-RPC interoperability codes. */
  PARSE_ERROR: -32700,
  INVALID_XML_RPC: -32600,
} as const;

export type FaultCode = (typeof FAULT)[keyof typeof FAULT];

export const FAULT_TEXT: Record<FaultCode, string> = {
  101: "System temporarily unavailable. You may wish to repeat your request again later.",
  102: "The system is currently disabled.",
  200: "Request could not be processed.",
  201: "Request was malformed or not understood.",
  202: "The namespace you called a method on does not exist.",
  203: "The method you called does not exist.",
  204: "Argument invalid or of incorrect type.",
  205: "Operation cannot be performed on this field.",
  206: "Unknown or invalid option.",
  207: "Object not found.",
  208: "Permission denied for object.",
  209: "No user found with that email address",
  210: "The character encoding for your import data is not recognised by MessageFocus.",
  211: "A core table field name is not valid.",
  214: "Invalid contact email.",
  216: "Campaign has not been published.",
  301: "You must be authenticated to use this resource.",
  302: "You are not authorised to perform that operation.",
  303: "Your account is over quota.",
  304: "Your account is making requests too frequently.",
  305: "Your account is currently disabled.",
  [-32700]: "parse error. not well formed",
  [-32600]: "server error. invalid xml-rpc. not conforming to spec",
};
