//! Doing what a user does: open a page, click, type, sign in. Each action
//! waits for its element first and retries a click or a typed value that
//! did not take (an element re-rendered under the pointer).

use anyhow::{Context, Result};
use fantoccini::Client;

use crate::find::{self, Seen};

/// Opens `url` and waits until the document has loaded.
pub async fn open(client: &Client, url: &str) -> Result<()> {
    client
        .goto(url)
        .await
        .with_context(|| format!("cannot open {url}"))?;
    loaded(client).await
}

/// Reloads the page and waits until the document has loaded.
pub async fn reload(client: &Client) -> Result<()> {
    client.refresh().await.context("cannot reload the page")?;
    loaded(client).await
}

async fn loaded(client: &Client) -> Result<()> {
    find::until(client, "the document to load", async || {
        let state = find::js(client, "return document.readyState;", vec![]).await?;
        Ok(if state == "complete" {
            Seen::Ready(())
        } else {
            Seen::NotYet(format!("readyState {state}"))
        })
    })
    .await
}

/// Clicks the element with test id `id`.
pub async fn click(client: &Client, id: &str) -> Result<()> {
    find::visible(client, id).await?;
    let selector = find::testid(id);
    find::until(
        client,
        &format!("a click on [data-testid={id}] to land"),
        async || {
            let el = match client.find(fantoccini::Locator::Css(&selector)).await {
                Ok(el) => el,
                Err(e) => return Ok(Seen::NotYet(e.to_string())),
            };
            // Fixed bars (the tab bar) can cover an element at the edge of the
            // window: bring it to the middle first.
            if let Ok(arg) = serde_json::to_value(&el) {
                let _ = find::js(
                    client,
                    "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                    vec![arg],
                )
                .await;
            }
            Ok(match el.click().await {
                Ok(()) => Seen::Ready(()),
                // Not clicked (stale, covered, not yet interactable): try again.
                Err(e) => Seen::NotYet(e.to_string()),
            })
        },
    )
    .await
}

/// Replaces the value of the input with test id `id` by `text`, typed key by key.
pub async fn fill(client: &Client, id: &str, text: &str) -> Result<()> {
    find::visible(client, id).await?;
    let selector = find::testid(id);
    find::until(
        client,
        &format!("[data-testid={id}] to hold {text:?}"),
        async || {
            let el = match client.find(fantoccini::Locator::Css(&selector)).await {
                Ok(el) => el,
                Err(e) => return Ok(Seen::NotYet(e.to_string())),
            };
            let current = el.prop("value").await.ok().flatten().unwrap_or_default();
            if current == text {
                return Ok(Seen::Ready(()));
            }
            if let Err(e) = el.clear().await {
                return Ok(Seen::NotYet(format!("clear failed: {e}")));
            }
            if let Err(e) = el.send_keys(text).await {
                return Ok(Seen::NotYet(format!("typing failed: {e}")));
            }
            let typed = el.prop("value").await.ok().flatten().unwrap_or_default();
            Ok(if typed == text {
                Seen::Ready(())
            } else {
                Seen::NotYet(format!("the field holds {typed:?}"))
            })
        },
    )
    .await
}

/// Chooses the file at `path` in the file input with test id `id` (the
/// browser reads it as if picked by hand).
pub async fn attach(client: &Client, id: &str, path: &std::path::Path) -> Result<()> {
    find::visible(client, id).await?;
    let el = find::element(client, id).await?;
    let path = path.canonicalize()?;
    el.send_keys(&path.to_string_lossy()).await?;
    Ok(())
}

/// Sets a `<select>` (by test id) to `value` as a user would.
pub async fn choose(client: &Client, id: &str, value: &str) -> Result<()> {
    find::visible(client, id).await?;
    find::js(
        client,
        "const s = document.querySelector(`[data-testid=${arguments[0]}]`); s.value = arguments[1]; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        vec![id.into(), value.into()],
    )
    .await?;
    Ok(())
}

/// Fills the login form and submits it (does not wait for the outcome).
pub async fn submit_login(client: &Client, username: &str, password: &str) -> Result<()> {
    fill(client, "login-username", username).await?;
    fill(client, "login-password", password).await?;
    click(client, "login-submit").await
}

/// Signs in as `username` and waits for that role's home.
pub async fn login(client: &Client, username: &str, password: &str) -> Result<()> {
    find::visible(client, "login-form")
        .await
        .context("the login page did not show")?;
    submit_login(client, username, password).await?;
    find::visible(client, "home")
        .await
        .with_context(|| format!("signing in as {username} did not reach a home page"))?;
    Ok(())
}

/// Signs out from a home page and waits for the login form.
pub async fn logout(client: &Client) -> Result<()> {
    click(client, "logout").await?;
    find::visible(client, "login-form")
        .await
        .context("signing out did not show the login page")?;
    Ok(())
}

/// Moves the mouse to the top edge of the page, so no card shows its hover
/// style in a screenshot.
pub async fn rest_pointer(client: &Client) -> Result<()> {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let width = find::js(client, "return window.innerWidth;", vec![])
        .await?
        .as_f64()
        .unwrap_or(100.0);
    let mouse = MouseActions::new("rest".to_owned()).then(PointerAction::MoveTo {
        duration: None,
        x: width / 2.0,
        y: 1.0,
    });
    client
        .perform_actions(mouse)
        .await
        .context("moving the pointer away")?;
    client
        .release_actions()
        .await
        .context("releasing the pointer")?;
    Ok(())
}
