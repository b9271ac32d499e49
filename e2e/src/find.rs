//! Finding things on the page: `data-testid` selectors and polling with a
//! deadline. Probes re-query the DOM every time, so elements that Leptos
//! re-renders never go stale under a test.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// How long a wait may take: `HOUQIN_E2E_TIMEOUT_SECS`, by default 20 s
/// (a cold wasm start on a loaded two-core machine takes a few seconds).
pub fn timeout() -> Duration {
    let secs = std::env::var("HOUQIN_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

const POLL_EVERY: Duration = Duration::from_millis(100);

/// The CSS selector of a `data-testid`.
pub fn testid(id: &str) -> String {
    format!(r#"[data-testid="{id}"]"#)
}

/// One look at the page: either what was waited for, or what is there instead.
pub enum Seen<T> {
    Ready(T),
    NotYet(String),
}

/// Probes until it sees what it waits for, or fails after [`timeout`] with
/// `what`, the last thing seen and a summary of the page.
pub async fn until<T>(
    client: &Client,
    what: &str,
    mut probe: impl AsyncFnMut() -> Result<Seen<T>>,
) -> Result<T> {
    let limit = timeout();
    let deadline = Instant::now() + limit;
    loop {
        let last = match probe().await {
            Ok(Seen::Ready(value)) => return Ok(value),
            Ok(Seen::NotYet(seen)) => seen,
            Err(e) => format!("error: {e:#}"),
        };
        if Instant::now() > deadline {
            bail!(
                "timed out after {limit:?} waiting for {what}; last seen: {last}\npage: {}",
                page_summary(client).await
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Runs a script in the page (`arguments[i]` are `args`).
pub async fn js(client: &Client, script: &str, args: Vec<Value>) -> Result<Value> {
    client
        .execute(script, args)
        .await
        .with_context(|| format!("script failed: {script}"))
}

/// What a test needs to know about one element, read in one round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementState {
    pub visible: bool,
    pub text: String,
    /// `value` of inputs; `None` for other elements.
    pub value: Option<String>,
    /// The attribute asked for, if any and if set.
    pub attr: Option<String>,
}

const STATE_JS: &str = r#"
const el = document.querySelector(arguments[0]);
if (!el) return null;
const box = el.getBoundingClientRect();
const style = window.getComputedStyle(el);
return {
  visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
  text: el.innerText || el.textContent || '',
  value: ('value' in el && typeof el.value === 'string') ? el.value : null,
  attr: arguments[1] ? el.getAttribute(arguments[1]) : null,
};
"#;

/// The element with `data-testid` = `id` now, or `None` if there is none.
pub async fn state(client: &Client, id: &str, attr: Option<&str>) -> Result<Option<ElementState>> {
    let v = js(client, STATE_JS, vec![json!(testid(id)), json!(attr)]).await?;
    if v.is_null() {
        return Ok(None);
    }
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Some(ElementState {
        visible: v.get("visible").and_then(Value::as_bool).unwrap_or(false),
        text: text("text").unwrap_or_default(),
        value: text("value"),
        attr: text("attr"),
    }))
}

/// Waits until the element is on the page and visible; answers its state.
pub async fn visible(client: &Client, id: &str) -> Result<ElementState> {
    until(
        client,
        &format!("[data-testid={id}] to be visible"),
        async || {
            Ok(match state(client, id, None).await? {
                Some(s) if s.visible => Seen::Ready(s),
                Some(_) => Seen::NotYet(format!("{id} is on the page but hidden")),
                None => Seen::NotYet(format!("no {id} on the page")),
            })
        },
    )
    .await
}

/// Waits for the element to be visible, then answers a WebDriver handle to it.
pub async fn element(client: &Client, id: &str) -> Result<Element> {
    visible(client, id).await?;
    let selector = testid(id);
    until(
        client,
        &format!("a handle on [data-testid={id}]"),
        async || {
            Ok(match client.find(Locator::Css(&selector)).await {
                Ok(el) => Seen::Ready(el),
                Err(e) => Seen::NotYet(e.to_string()),
            })
        },
    )
    .await
}

/// Whether an element with this test id is on the page now.
pub async fn present(client: &Client, id: &str) -> Result<bool> {
    Ok(state(client, id, None).await?.is_some())
}

/// Where the page is and what it shows, for error messages.
pub async fn page_summary(client: &Client) -> String {
    const SUMMARY_JS: &str = r#"
const ids = Array.from(document.querySelectorAll('[data-testid]')).slice(0, 40).map(e => {
  const code = e.getAttribute('data-code');
  return e.getAttribute('data-testid') + (code ? '(' + code + ')' : '');
});
return {
  url: location.href,
  lang: document.documentElement.lang,
  testids: ids,
  text: (document.body ? document.body.innerText : '').slice(0, 500),
};
"#;
    match client.execute(SUMMARY_JS, vec![]).await {
        Ok(v) => v.to_string(),
        Err(e) => format!("(cannot read the page: {e})"),
    }
}

/// How many requests to a URL ending in `suffix` the page has finished
/// (from the browser's resource timing entries, added when a response ends).
pub async fn finished_requests(client: &Client, suffix: &str) -> Result<usize> {
    let n = js(
        client,
        "return performance.getEntriesByType('resource').filter(e => e.name.endsWith(arguments[0])).length;",
        vec![json!(suffix)],
    )
    .await?;
    n.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .context("resource count is not a number")
}

/// Waits until the page has finished `count` requests to a URL ending in `suffix`.
pub async fn requests_finished(client: &Client, suffix: &str, count: usize) -> Result<()> {
    until(
        client,
        &format!("{count} finished request(s) to …{suffix}"),
        async || {
            let n = finished_requests(client, suffix).await?;
            Ok(if n >= count {
                Seen::Ready(())
            } else {
                Seen::NotYet(format!("{n} finished"))
            })
        },
    )
    .await
}
