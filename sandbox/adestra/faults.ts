/** Faults the sandbox answers with: Adestra's codes and texts, with what went wrong in brackets. */
import { FAULT_TEXT, type FaultCode } from "../../app/destinations/adestra/client/fault-codes";
import type { XmlRpcFault } from "../../app/destinations/adestra/client/xmlrpc";

export class SandboxFault extends Error {
  constructor(
    readonly code: FaultCode,
    detail?: string,
  ) {
    super(detail ? `${FAULT_TEXT[code]} (${detail})` : FAULT_TEXT[code]);
    this.name = "SandboxFault";
  }

  toFault(): XmlRpcFault {
    return { faultCode: this.code, faultString: this.message };
  }
}
