// npm run sim -- --isolates N --locations L --seconds S [--design tier|current] [--rps R]
// The scale simulation (test/sim/scale.ts): progress lines, then one line of JSON, last.
import { parseArgs } from "node:util";
import { type Design, runScale } from "../test/sim/scale";

const { values } = parseArgs({
  options: {
    isolates: { type: "string", default: "250" },
    locations: { type: "string", default: "100" },
    seconds: { type: "string", default: "60" },
    design: { type: "string", default: "tier" },
    rps: { type: "string", default: "1" },
  },
});
const n = (name: keyof typeof values) => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`--${name} must be a positive number, got ${values[name]}`);
    process.exit(2);
  }
  return v;
};
const design = values.design as Design;
if (design !== "tier" && design !== "current") {
  console.error(`--design must be tier or current, got ${values.design}`);
  process.exit(2);
}
const result = await runScale({
  isolates: n("isolates"),
  locations: n("locations"),
  seconds: n("seconds"),
  rps: n("rps"),
  design,
  log: (line) => console.log(line),
});
console.log(JSON.stringify(result));
