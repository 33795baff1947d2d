/**
 * Strict positional arguments, as Adestra checks them: a method declares its parameters as "name:type" or
 * "name:type?" and gets them typed; a missing, extra or wrongly typed argument is fault 204.
 */
import { FAULT } from "../../app/destinations/adestra/client/fault-codes";
import { isStruct, type XmlRpcValue } from "../../app/destinations/adestra/client/xmlrpc";
import { SandboxFault } from "./faults";

export type Struct = { [member: string]: XmlRpcValue };

interface ArgTypes {
  int: number;
  string: string;
  struct: Struct;
  array: XmlRpcValue[];
  boolean: boolean;
}
type ArgType = keyof ArgTypes;
export type ParamSpec = `${string}:${ArgType}` | `${string}:${ArgType}?`;

type ArgOf<P> = P extends `${string}:${infer T extends ArgType}?` ? ArgTypes[T] | undefined : P extends `${string}:${infer T extends ArgType}` ? ArgTypes[T] : never;
export type ArgsOf<Spec extends readonly ParamSpec[]> = { [K in keyof Spec]: ArgOf<Spec[K]> };

const CHECKS: Record<ArgType, (value: XmlRpcValue) => boolean> = {
  int: (value) => isInt(value),
  string: (value) => typeof value === "string",
  struct: (value) => isStruct(value),
  array: (value) => Array.isArray(value),
  boolean: (value) => typeof value === "boolean",
};

export function parseArgs<const Spec extends readonly ParamSpec[]>(method: string, spec: Spec, args: XmlRpcValue[]): ArgsOf<Spec> {
  if (args.length > spec.length) throw new SandboxFault(FAULT.BAD_ARGUMENT, `${method} takes at most ${spec.length} arguments, got ${args.length}`);
  spec.forEach((param, index) => {
    const [name, declared] = param.split(":");
    const optional = declared.endsWith("?");
    const type = declared.replace("?", "") as ArgType;
    const value = args[index];
    if (value === undefined) {
      if (!optional) throw new SandboxFault(FAULT.BAD_ARGUMENT, `${method}: ${name} is required`);
    } else if (!CHECKS[type](value)) {
      throw new SandboxFault(FAULT.BAD_ARGUMENT, `${method}: ${name} must be ${article(type)}`);
    }
  });
  return args as ArgsOf<Spec>;
}

export function isInt(value: XmlRpcValue | undefined): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** Checks a struct argument's members: unknown keys are fault 206 (an unknown option), wrong types 204. */
export function parseOptions<const Spec extends Record<string, ArgType>>(
  what: string,
  struct: Struct | undefined,
  spec: Spec,
): { [K in keyof Spec]?: ArgTypes[Spec[K]] } {
  for (const [key, value] of Object.entries(struct ?? {})) {
    const type = spec[key];
    if (!type) throw new SandboxFault(FAULT.BAD_OPTION, `${what} has no option "${key}"`);
    if (!CHECKS[type](value)) throw new SandboxFault(FAULT.BAD_ARGUMENT, `${what}.${key} must be ${article(type)}`);
  }
  return (struct ?? {}) as { [K in keyof Spec]?: ArgTypes[Spec[K]] };
}

const article = (type: ArgType) => (type === "int" || type === "array" ? `an ${type}` : `a ${type}`);
