import type { FC, PropsWithChildren } from "hono/jsx";

/** Where app.route() mounts the dashboard; the page's own URLs are absolute so `/dashboard/` works too. */
export const BASE = "/dashboard";

const Panel: FC<PropsWithChildren<{ id: string; title: string; aside?: unknown }>> = ({
  id,
  title,
  aside,
  children,
}) => (
  <section class="panel" aria-labelledby={`${id}-title`}>
    <header class="panel-head">
      <h2 id={`${id}-title`}>{title}</h2>
      {aside}
    </header>
    {children}
  </section>
);

/**
 * The static shell. Everything inside it is drawn by the client script from the live state stream,
 * so one renderer serves the first paint and every update.
 */
const Shell: FC = () => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Blue/green dashboard</title>
      <link rel="icon" href={`${BASE}/static/favicon.svg`} type="image/svg+xml" />
      <link rel="stylesheet" href={`${BASE}/static/styles.css`} />
      <script type="module" src={`${BASE}/static/js/main.js`} />
    </head>
    <body class="stale">
      <header class="top">
        <div class="brand">
          <img src={`${BASE}/static/favicon.svg`} alt="" width="28" height="28" />
          <div>
            <h1>Blue/green deployments</h1>
            <p class="muted small">Live view of the edge router and its controller</p>
          </div>
        </div>
        <div class="top-right">
          <span id="role" class="role" hidden />
          <span id="conn" class="conn" role="status">
            Connecting…
          </span>
          <button type="button" id="forget-token" class="link" hidden>
            Sign out
          </button>
        </div>
      </header>

      <main>
        <noscript>
          <p class="notice bad">This page needs JavaScript. The same data is at /api/state (JSON, with the token).</p>
        </noscript>

        <form id="signin" class="panel signin" aria-labelledby="signin-title" hidden>
          <h2 id="signin-title">Sign in</h2>
          <p class="muted small">
            The dashboard shows what the control API shows, so it needs a token: VIEW_TOKEN to watch (no buttons),
            CONTROL_TOKEN to also promote, abort and roll back. It is kept in this tab only.
          </p>
          <label class="field">
            <span>Token</span>
            <input id="signin-token" type="password" autocomplete="off" spellcheck={false} required />
          </label>
          <p id="signin-error" class="notice bad" role="alert" hidden />
          <button type="submit" id="signin-ok" class="btn primary">
            Show the dashboard
          </button>
        </form>

        <div id="content" hidden>
          <section class="hero" id="hero" aria-label="Active color">
            <div id="hero-body" class="hero-body">
              <p class="muted">Loading state…</p>
            </div>
            <div id="hero-actions" class="hero-actions" hidden>
              <button type="button" id="btn-rollback" class="btn danger" disabled>
                Roll back
              </button>
              <p id="rollback-hint" class="muted small" />
            </div>
          </section>

          <div id="protection" aria-live="polite" />

          <div class="envs" id="envs" />

          <Panel id="incidents" title="Incidents">
            <div id="incidents-body" />
          </Panel>

          <Panel
            id="deployment"
            title="Deployment"
            aside={
              <div class="actions">
                <button type="button" id="btn-promote" class="btn primary" hidden>
                  Promote
                </button>
                <button type="button" id="btn-abort" class="btn" hidden>
                  Abort
                </button>
              </div>
            }
          >
            <div id="deployment-body" />
          </Panel>

          <Panel id="traffic" title="Traffic" aside={<div id="chart-legend" class="legend" />}>
            <div id="chart" class="chart" />
          </Panel>

          <Panel id="history" title="History">
            <div id="history-body" />
          </Panel>

          <Panel id="spool" title="Edge spool">
            <div id="spool-body" />
          </Panel>

          <Panel id="notifications" title="Notifications">
            <div id="notifications-body" />
          </Panel>

          <div id="audit-panel" hidden>
            <Panel
              id="audit"
              title="Audit log"
              aside={
                <button type="button" id="audit-refresh" class="btn">
                  Refresh
                </button>
              }
            >
              <div id="audit-body" />
            </Panel>
          </div>
        </div>
      </main>

      <div id="notice" class="toast" role="status" hidden />

      <dialog id="confirm" aria-labelledby="confirm-title">
        <form id="confirm-form" method="dialog">
          <h2 id="confirm-title" class="dialog-title">
            Confirm
          </h2>
          <p id="confirm-message" />
          <label id="reason-field" class="field" hidden>
            <span>
              Reason <span class="muted">(optional, kept in the history)</span>
            </span>
            <input id="reason" name="reason" type="text" maxlength={500} autocomplete="off" />
          </label>
          <div id="token-saved" class="muted small" hidden>
            Using the token saved in this tab.{" "}
            <button type="button" id="change-token" class="link">
              Use another token
            </button>
          </div>
          <label id="token-field" class="field" hidden>
            <span>
              Control token <span class="muted">(kept in this tab only)</span>
            </span>
            <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} />
          </label>
          <p id="confirm-error" class="notice bad" role="alert" hidden />
          <div class="dialog-actions">
            <button type="button" id="confirm-cancel" class="btn">
              Cancel
            </button>
            <button type="submit" id="confirm-ok" class="btn primary">
              Confirm
            </button>
          </div>
        </form>
      </dialog>
    </body>
  </html>
);

export const page = (): string => `<!doctype html>${(<Shell />).toString()}`;
