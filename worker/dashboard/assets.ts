import favicon from "./static/favicon.svg";
import actionsJs from "./static/js/actions.js";
import auditJs from "./static/js/audit.js";
import chartJs from "./static/js/chart.js";
import domJs from "./static/js/dom.js";
import formatJs from "./static/js/format.js";
import incidentsJs from "./static/js/incidents.js";
import mainJs from "./static/js/main.js";
import notifyJs from "./static/js/notify.js";
import pathsJs from "./static/js/paths.js";
import protectionJs from "./static/js/protection.js";
import spoolJs from "./static/js/spool.js";
import stepsJs from "./static/js/steps.js";
import streamJs from "./static/js/stream.js";
import timingJs from "./static/js/timing.js";
import trafficJs from "./static/js/traffic.js";
import viewJs from "./static/js/view.js";
import styles from "./static/styles.css";

const JS = "text/javascript; charset=utf-8";

/** The dashboard's browser files, by path under /dashboard/static/. */
export const ASSETS: Record<string, { body: string; type: string }> = {
  "styles.css": { body: styles, type: "text/css; charset=utf-8" },
  "favicon.svg": { body: favicon, type: "image/svg+xml" },
  "js/main.js": { body: mainJs, type: JS },
  "js/stream.js": { body: streamJs, type: JS },
  "js/traffic.js": { body: trafficJs, type: JS },
  "js/chart.js": { body: chartJs, type: JS },
  "js/view.js": { body: viewJs, type: JS },
  "js/paths.js": { body: pathsJs, type: JS },
  "js/steps.js": { body: stepsJs, type: JS },
  "js/incidents.js": { body: incidentsJs, type: JS },
  "js/actions.js": { body: actionsJs, type: JS },
  "js/audit.js": { body: auditJs, type: JS },
  "js/format.js": { body: formatJs, type: JS },
  "js/dom.js": { body: domJs, type: JS },
  "js/notify.js": { body: notifyJs, type: JS },
  "js/protection.js": { body: protectionJs, type: JS },
  "js/timing.js": { body: timingJs, type: JS },
  "js/spool.js": { body: spoolJs, type: JS },
};
