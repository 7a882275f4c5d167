import * as core from "@actions/core";
import * as z from "zod";
import { restoreByDefault } from "../control/restore-standby";
import { DeploymentRequest } from "../shared";

export const COMMANDS = ["deploy", "rollback", "promote", "abort", "status"] as const;
export type Command = (typeof COMMANDS)[number];

// GitHub passes an unset input as "": treat it as absent so `.default()` applies.
const blank = (v: unknown) => (v === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());
const json = (v: unknown) => {
  if (v === "") return undefined;
  try {
    return JSON.parse(String(v));
  } catch {
    return v; // the schema then reports "expected object"
  }
};
/** "5, 25, 100" → [5, 25, 100] (a word that is no number stays NaN, which the schema reports). */
const numberList = (v: unknown) =>
  v === ""
    ? undefined
    : String(v)
        .split(",")
        .map((x) => (x.trim() === "" ? Number.NaN : Number(x)));
/** YAML 1.2 core booleans, as core.getBooleanInput accepts them. */
const yamlBoolean = z
  .enum(["true", "True", "TRUE", "false", "False", "FALSE"])
  .transform((v) => v.toLowerCase() === "true");

/**
 * One entry per action.yml input (camelCase of its name). Defaults repeat action.yml's so a run
 * without action.yml (a local `node dist/index.js`, the tests) behaves the same.
 */
const InputsSchema = z
  .object({
    workerUrl: z
      .url({ protocol: /^https?$/, error: "must be the Worker's http(s) URL" })
      .transform((u) => u.replace(/\/+$/, "")),
    token: z.string(),
    oidcAudience: z.string(),
    command: z.preprocess(blank, z.enum(COMMANDS).default("deploy")),
    version: z.preprocess((v) => v || process.env.GITHUB_SHA || "", z.string()),
    deployCommand: z.string(),
    /** unset: true when deploy-command is set (resolved below). */
    restoreStandby: z.preprocess(blank, yamlBoolean.optional()),
    autoPromote: z.preprocess(blank, yamlBoolean.default(true)),
    watchSeconds: optional(z.coerce.number().pipe(DeploymentRequest.shape.watchSeconds.unwrap())),
    promotionTimeoutSeconds: optional(z.coerce.number().pipe(DeploymentRequest.shape.promotionTimeoutSeconds.unwrap())),
    validationTimeoutSeconds: optional(
      z.coerce.number().pipe(DeploymentRequest.shape.validationTimeoutSeconds.unwrap()),
    ),
    timeoutSeconds: z.preprocess(blank, z.coerce.number().int().positive().default(900)),
    githubToken: z.string(),
    environment: z.preprocess(blank, z.string().default("production")),
    deploymentId: z.string(),
    reason: z.string(),
    force: z.preprocess(blank, yamlBoolean.default(false)),
    thresholds: z.preprocess(json, DeploymentRequest.shape.thresholds),
    configHash: optional(DeploymentRequest.shape.configHash.unwrap()),
    steps: z.preprocess(numberList, DeploymentRequest.shape.steps),
    stepSeconds: optional(z.coerce.number().pipe(DeploymentRequest.shape.stepSeconds.unwrap())),
    mirrorPercent: optional(z.coerce.number().pipe(DeploymentRequest.shape.mirrorPercent.unwrap())),
  })
  // The Worker's own rule for a version, so a bad one is reported before anything is deployed.
  .refine((i) => i.command !== "deploy" || DeploymentRequest.shape.version.safeParse(i.version).success, {
    path: ["version"],
    message: "required for deploy (1-128 characters; defaults to the commit SHA)",
  });
/** restore-standby resolved: unset means on when there is a deploy-command. */
export type Inputs = Omit<z.infer<typeof InputsSchema>, "restoreStandby"> & { restoreStandby: boolean };

const inputName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** The input names as action.yml declares them. */
export const INPUT_NAMES = Object.keys(InputsSchema.shape).map(inputName);

/** Reads and validates every input; one error names all the bad ones. */
export function readInputs(): Inputs {
  const raw = Object.fromEntries(Object.keys(InputsSchema.shape).map((k) => [k, core.getInput(inputName(k))]));
  const parsed = InputsSchema.safeParse(raw);
  if (parsed.success) {
    const i = parsed.data;
    return { ...i, restoreStandby: restoreByDefault(i.restoreStandby, i.deployCommand) };
  }
  const issues = parsed.error.issues.map((i) => {
    const [key, ...rest] = i.path.map(String);
    return `${[inputName(key ?? "inputs"), ...rest].join(".")}: ${i.message}`;
  });
  throw new Error(`invalid inputs: ${issues.join("; ")}`);
}
