// Runs one color of the stand-in platform as a process:
//   tsx test/platform/main.ts --color green --version v2 --port 8702 --store .tmp/logs.db
// PLATFORM_FAULTS='{"v3":{"errorRate":1}}' makes that version misbehave.
import { parseArgs } from "node:util";
import { parseFaults } from "./faults";
import { createPlatform } from "./platform";
import { LogStore } from "./store";

const { values } = parseArgs({
  options: {
    color: { type: "string" },
    version: { type: "string" },
    port: { type: "string" },
    store: { type: "string" },
  },
});
if (!values.color || !values.version || !values.port || !values.store) {
  console.error("usage: main.ts --color blue|green --version V --port N --store FILE");
  process.exit(2);
}
const faults = parseFaults(process.env.PLATFORM_FAULTS)[values.version] ?? {};
const store = new LogStore(values.store);
const platform = await createPlatform({
  color: values.color,
  version: values.version,
  store,
  faults,
  port: Number(values.port),
  onCrash: () => process.exit(1),
});
console.log(
  `platform ${values.color} ${values.version} listening on ${platform.url}${Object.keys(faults).length ? ` faults=${JSON.stringify(faults)}` : ""}`,
);
const stop = async () => {
  await platform.close();
  store.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
