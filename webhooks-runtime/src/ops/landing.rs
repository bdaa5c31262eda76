//! The default page at `GET /`: what this server is, its endpoints, and how to point the Hub at
//! them. Self-contained (no external assets), every interpolated string escaped.

use std::fmt::Write as _;

use bytes::Bytes;

use crate::endpoint::route::{RouteId, Routes};
use crate::ops::failed_answers::{FailedAnswers, current_hour};
use crate::ops::html::escape;

/// Where [`render`] leaves room for [`with_failed_answers`]'s line (removed before serving).
pub(crate) const WARNING_MARKER: &str = "<!--failed-answers-->";

/// The default page `page` with, at `at`, a line naming the endpoints that answered other than
/// 2xx in the last 24 hours; `page` as it is when none did (or for a page of the user's).
pub(crate) fn with_failed_answers(
    page: &Bytes,
    at: Option<usize>,
    routes: &Routes,
    failed: &FailedAnswers,
) -> Bytes {
    let Some(at) = at.filter(|at| *at <= page.len()) else {
        return page.clone();
    };
    let hour = current_hour();
    let mut counts = String::new();
    let mut total = 0;
    for (index, route) in routes.iter().enumerate() {
        let count = failed.last_24h(RouteId(index), hour);
        // Counted under a path's first route: the others read 0.
        if count == 0 {
            continue;
        }
        total += count;
        if !counts.is_empty() {
            counts.push_str(", ");
        }
        let _ = write!(counts, "<code>{}</code> {count}", escape(&route.route_path));
    }
    if total == 0 {
        return page.clone();
    }
    let line = format!(
        "<p class=\"notice failing\" id=\"failed-answers\"><strong>{total} answer{} other than 2xx \
         in the last 24 h</strong> ({counts}): the Hub retries these and suspends a webhook that keeps \
         failing.</p>\n",
        if total == 1 { "" } else { "s" }
    );
    let mut served = Vec::with_capacity(page.len() + line.len());
    served.extend_from_slice(&page[..at]);
    served.extend_from_slice(line.as_bytes());
    served.extend_from_slice(&page[at..]);
    Bytes::from(served)
}

/// What the page says about the server.
pub(crate) struct LandingContext<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) routes: &'a Routes,
    pub(crate) secret_configured: bool,
    pub(crate) on_space: bool,
    /// Whether `base_url` is a public URL (a Space host, or one the user set).
    pub(crate) public: bool,
    /// Whether deliveries are journaled (the "Recent deliveries" panel needs it).
    pub(crate) journal: bool,
}

const STYLE: &str = "
:root { color-scheme: light dark; --accent: #ff9d00; --muted: #6b7280; --border: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; }
a { color: inherit; text-decoration-color: var(--accent); text-underline-offset: 2px; overflow-wrap: anywhere; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
ul.endpoints { list-style: none; padding: 0; margin: 0; }
ul.endpoints li { border: 1px solid var(--border); border-radius: .6rem; padding: .8rem 1rem; margin-bottom: .6rem; }
.method { font-weight: 700; color: var(--accent); margin-right: .4rem; }
.notice { border-left: 4px solid var(--accent); padding: .6rem 1rem; border-radius: .3rem; background: rgba(255,157,0,.08); }
.ok { border-left-color: #16a34a; background: rgba(22,163,74,.08); }
ol li { margin-bottom: .3rem; }
.row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.row code { flex: 1 1 16rem; }
button.copy { font: inherit; font-size: .85rem; padding: .2rem .7rem; border-radius: .4rem; border: 1px solid var(--border);
  background: transparent; color: inherit; cursor: pointer; }
button.copy:hover { border-color: var(--accent); }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
input[type=password] { font: inherit; padding: .25rem .5rem; border-radius: .4rem; border: 1px solid var(--border); flex: 1 1 12rem; min-width: 0; }
.wide { width: min(76rem, calc(100vw - 2.5rem)); margin-left: calc(50% - min(38rem, 50vw - 1.25rem)); }
#deliveries td.nowrap { white-space: nowrap; }
#deliveries td.hub-id { font: .8em ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; min-width: 8rem; }
#deliveries td.error { overflow-wrap: anywhere; min-width: 10rem; }
.failing { border-left-color: #dc2626; background: rgba(220,38,38,.08); }
.status-done { color: #16a34a; } .status-dead, .status-failed { color: #dc2626; } .status-queued, .status-running { color: var(--accent); }
@media (max-width: 30rem) { main { padding: 1.25rem .9rem 3rem; } h1 { font-size: 1.3rem; } }
";

/// The "Recent deliveries" panel: filled by `DELIVERIES_SCRIPT` from the delivery API.
const DELIVERIES_PANEL: &str = "<section class=\"wide\">\n<h2>Recent deliveries</h2>
<form id=\"deliveries-form\" class=\"row\">
<input id=\"credential\" type=\"password\" autocomplete=\"off\" placeholder=\"Webhook secret or admin token\" aria-label=\"Webhook secret or admin token\">
<button class=\"copy\" type=\"submit\">Load</button>
</form>
<p id=\"deliveries-status\" class=\"muted\">The credential stays in this tab only.</p>
<div class=\"table\"><table id=\"deliveries\" hidden>
<thead><tr><th>Received</th><th>Status</th><th>Endpoint</th><th>Event</th><th>Repo</th><th>Attempts</th><th>Latency</th><th>Hub id</th><th>Error</th><th></th></tr></thead>
<tbody></tbody></table></div>
</section>
";

/// Loads deliveries with the credential typed in (kept in `sessionStorage`), renders them with
/// `textContent` only (nothing from a delivery is parsed as HTML), and replays on demand.
const DELIVERIES_SCRIPT: &str = "
const deliveries = document.getElementById('deliveries');
if (deliveries) {
  const form = document.getElementById('deliveries-form');
  const input = document.getElementById('credential');
  const status = document.getElementById('deliveries-status');
  input.value = sessionStorage.getItem('webhooks-credential') || '';
  const headers = () => input.value ? { 'Authorization': 'Bearer ' + input.value } : {};
  const cell = (row, text) => { const td = row.insertCell(); td.textContent = text ?? ''; return td; };
  async function load() {
    sessionStorage.setItem('webhooks-credential', input.value);
    const response = await fetch('/api/deliveries?limit=20', { headers: headers() });
    const answer = await response.json();
    if (!response.ok) { status.textContent = answer.error; deliveries.hidden = true; return; }
    const body = deliveries.tBodies[0];
    body.replaceChildren();
    for (const d of answer.deliveries) {
      const row = body.insertRow();
      cell(row, new Date(d.received_at_ms).toLocaleTimeString()).className = 'nowrap';
      cell(row, d.status).className = 'nowrap status-' + d.status;
      cell(row, d.endpoint);
      cell(row, d.scope ? d.scope + ' / ' + d.action : '');
      cell(row, d.repo);
      cell(row, String(d.attempts) + (d.repeats ? ' (+' + d.repeats + ' repeated)' : '')).className = 'nowrap';
      cell(row, d.latency_ms == null ? '' : d.latency_ms.toFixed(1) + ' ms').className = 'nowrap';
      cell(row, d.webhook_id).className = 'hub-id';
      cell(row, d.last_error).className = 'error';
      const button = document.createElement('button');
      button.className = 'copy replay';
      button.type = 'button';
      button.textContent = 'Replay';
      button.addEventListener('click', async () => {
        const replayed = await fetch('/api/deliveries/' + encodeURIComponent(d.id) + '/replay', { method: 'POST', headers: headers() });
        const result = await replayed.json();
        await load();
        status.textContent = replayed.ok ? 'Replayed as ' + result.delivery_id + ' (' + result.status + ').' : result.error;
      });
      row.insertCell().appendChild(button);
    }
    deliveries.hidden = false;
    status.textContent = answer.deliveries.length + ' most recent deliveries.';
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  load();
}
";

/// Copies a URL when its button is clicked; falls back to a hidden text area where the
/// clipboard API is unavailable (plain HTTP on another host than localhost).
const SCRIPT: &str = "
for (const button of document.querySelectorAll('button.copy')) {
  button.addEventListener('click', async () => {
    const text = button.dataset.copy;
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
}
";

/// The Content-Security-Policy the default page works under: its one inline style and one inline
/// script by hash, its icon as a `data:` image, `fetch` to this server only, no frames around it,
/// no form posted anywhere, nothing else loaded.
pub(crate) fn content_security_policy() -> String {
    let script = [SCRIPT, DELIVERIES_SCRIPT].concat();
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        sha256_source(&script),
        sha256_source(STYLE)
    )
}

/// The policy for a page the user supplied: it may load what it likes, but not be framed.
pub(crate) const CUSTOM_PAGE_POLICY: &str = "base-uri 'self'; frame-ancestors 'none'";

/// `sha256-<base64>`, how a policy names one inline element.
fn sha256_source(content: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(content.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The whole page.
pub(crate) fn render(context: &LandingContext<'_>) -> String {
    let mut page = String::with_capacity(4096);
    page.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // An inline icon: the browser asks for no /favicon.ico, and nothing is loaded from elsewhere.
    page.push_str(
        "<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' \
         viewBox='0 0 100 100'%3E%3Ctext y='.9em' font-size='90'%3E%F0%9F%A4%97%3C/text%3E%3C/svg%3E\">\n",
    );
    page.push_str("<title>Hugging Face Hub webhooks</title>\n<style>");
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n<main>\n");
    page.push_str("<h1>This is an app to process 🤗 Webhooks</h1>\n");
    page.push_str(
        "<p>Webhooks are a foundation for MLOps-related features. They allow you to listen for new \
         changes on specific repos or to all repos belonging to particular set of users/organizations \
         (not just your repos, but any repo). Check out the \
         <a href=\"https://huggingface.co/docs/hub/webhooks\">webhooks documentation</a> to learn more.</p>\n",
    );
    page.push_str(WARNING_MARKER);
    write_endpoints(&mut page, context);
    write_setup(&mut page, context);
    if context.journal {
        page.push_str(DELIVERIES_PANEL);
    }
    page.push_str(
        "<p class=\"muted\">Machine-readable description of these endpoints: \
         <a href=\"/openapi.json\">OpenAPI document</a>.</p>\n",
    );
    page.push_str("</main>\n<script>");
    page.push_str(SCRIPT);
    page.push_str(DELIVERIES_SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

fn write_endpoints(page: &mut String, context: &LandingContext<'_>) {
    let count = context.routes.len();
    let _ = writeln!(
        page,
        "<h2>{count} webhook{} registered</h2>",
        if count == 1 { " is" } else { "s are" }
    );
    if count == 0 {
        page.push_str(
            "<p class=\"muted\">Annotate a function with <code>#[webhook_endpoint]</code> to add one.</p>\n",
        );
        return;
    }
    page.push_str("<ul class=\"endpoints\">\n");
    for route in context.routes.iter() {
        let url = format!("{}{}", context.base_url, route.route_path);
        let _ = write!(
            page,
            "<li><div class=\"row\"><span class=\"method\">POST</span><code class=\"url\">{url}</code>\
             <button class=\"copy\" type=\"button\" data-copy=\"{url}\">Copy</button></div>\
             <div class=\"muted\"><code>{function}</code>",
            url = escape(&url),
            function = escape(&route.function),
        );
        if !route.doc.is_empty() {
            let _ = write!(page, " · {}", escape(&route.doc));
        }
        page.push_str("</div>");
        if !route.filter.is_empty() {
            let _ = write!(
                page,
                "<div class=\"muted\">takes <code class=\"filter\">{}</code></div>",
                escape(&route.filter.to_string())
            );
        }
        page.push_str("</li>\n");
    }
    page.push_str("</ul>\n");
}

fn write_setup(page: &mut String, context: &LandingContext<'_>) {
    page.push_str("<h2>Set up a webhook on the Hub</h2>\n<ol>\n");
    page.push_str(
        "<li>Go to <a href=\"https://huggingface.co/settings/webhooks\">https://huggingface.co/settings/webhooks</a> \
         and create a webhook.</li>\n",
    );
    page.push_str("<li>Set its target URL to one of the URLs above.</li>\n");
    if context.secret_configured {
        page.push_str("<li>Set its secret to the one this server is configured with.</li>\n");
    }
    page.push_str(
        "<li>Choose the repos to watch and the events (repo changes, community).</li>\n</ol>\n",
    );

    if context.secret_configured {
        page.push_str(
            "<p class=\"notice ok\">A webhook secret is configured: requests without the right \
             <code>X-Webhook-Secret</code> header are refused.</p>\n",
        );
    } else {
        page.push_str(
            "<p class=\"notice\">No webhook secret is configured: anyone can call these endpoints. Set \
             <code>WEBHOOK_SECRET</code> (or <code>webhook_secret(..)</code> in code) and the same secret on the Hub. \
             See <a href=\"https://huggingface.co/docs/hub/webhooks#webhook-secret\">webhook secrets</a>.</p>\n",
        );
    }
    if context.on_space {
        page.push_str(
            "<p>This app runs on a Space: the URLs above use the Space's own host, the one shown by \
             \"Embed this Space\" (<code>https://&lt;username&gt;-&lt;space-name&gt;.hf.space</code>).</p>\n",
        );
    } else if !context.public {
        page.push_str(
            "<p>This app is running locally: the Hub cannot reach it at this address. Deploy it to a \
             Space, or expose it through a tunnel, and use the public URL.</p>\n",
        );
    }
}
