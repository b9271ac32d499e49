//! Assertions on what the page shows: attributes, the document language,
//! field values, text, and screenshots that must show something.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};
use fantoccini::Client;

use crate::find::{self, Seen};
use crate::workspace;

/// Waits until the element with test id `id` has `attr` = `want`.
pub async fn attr_becomes(client: &Client, id: &str, attr: &str, want: &str) -> Result<()> {
    find::until(
        client,
        &format!("[data-testid={id}] to have {attr}={want:?}"),
        async || {
            Ok(match find::state(client, id, Some(attr)).await? {
                Some(s) if s.attr.as_deref() == Some(want) => Seen::Ready(()),
                Some(s) => Seen::NotYet(format!("{id} has {attr}={:?}", s.attr)),
                None => Seen::NotYet(format!("no {id} on the page")),
            })
        },
    )
    .await
}

/// Waits until `<html lang>` is `want` (`zh-CN` or `en`).
pub async fn html_lang_becomes(client: &Client, want: &str) -> Result<()> {
    find::until(client, &format!("<html lang={want:?}>"), async || {
        let lang = find::js(client, "return document.documentElement.lang;", vec![]).await?;
        Ok(if lang == want {
            Seen::Ready(())
        } else {
            Seen::NotYet(format!("lang={lang}"))
        })
    })
    .await
}

/// The input with test id `id` holds `want` (checked now: typed text must survive).
pub async fn value_is(client: &Client, id: &str, want: &str) -> Result<()> {
    let state = find::state(client, id, None)
        .await?
        .with_context(|| format!("no {id} on the page"))?;
    ensure!(
        state.value.as_deref() == Some(want),
        "{id} should hold {want:?} but holds {:?}\npage: {}",
        state.value,
        find::page_summary(client).await
    );
    Ok(())
}

/// Waits until the input with test id `id` holds `want` (e.g. a prefilled username).
pub async fn value_becomes(client: &Client, id: &str, want: &str) -> Result<()> {
    find::until(
        client,
        &format!("[data-testid={id}] to hold {want:?}"),
        async || {
            Ok(match find::state(client, id, None).await? {
                Some(s) if s.value.as_deref() == Some(want) => Seen::Ready(()),
                Some(s) => Seen::NotYet(format!("{id} holds {:?}", s.value)),
                None => Seen::NotYet(format!("no {id} on the page")),
            })
        },
    )
    .await
}

/// The visible text of the element with test id `id`, once it has some.
pub async fn text_of(client: &Client, id: &str) -> Result<String> {
    find::until(
        client,
        &format!("[data-testid={id}] to show text"),
        async || {
            Ok(match find::state(client, id, None).await? {
                Some(s) if s.visible && !s.text.trim().is_empty() => {
                    Seen::Ready(s.text.trim().to_owned())
                }
                Some(s) => {
                    Seen::NotYet(format!("{id} shows {:?} (visible: {})", s.text, s.visible))
                }
                None => Seen::NotYet(format!("no {id} on the page")),
            })
        },
    )
    .await
}

/// Waits until the text of `id` differs from `old`; answers the new text.
pub async fn text_changes(client: &Client, id: &str, old: &str) -> Result<String> {
    find::until(
        client,
        &format!("[data-testid={id}] to change from {old:?}"),
        async || {
            Ok(match find::state(client, id, None).await? {
                Some(s) if s.visible && !s.text.trim().is_empty() && s.text.trim() != old => {
                    Seen::Ready(s.text.trim().to_owned())
                }
                Some(s) => Seen::NotYet(format!("{id} shows {:?}", s.text)),
                None => Seen::NotYet(format!("no {id} on the page")),
            })
        },
    )
    .await
}

/// Whether `text` has a CJK ideograph (Chinese is showing).
pub fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}'))
}

/// Whether `text` has Latin letters and no CJK ideograph (English is showing).
pub fn is_english(text: &str) -> bool {
    !has_cjk(text) && text.chars().any(|c| c.is_ascii_alphabetic())
}

/// A decoded screenshot's size and how many distinct colours it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub colours: usize,
}

/// Decodes a PNG; fails if it is not one.
pub fn picture(png_bytes: &[u8]) -> Result<Picture> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().context("the screenshot is not a PNG")?;
    let mut buf = vec![0; reader.output_buffer_size().context("PNG too large")?];
    let info = reader
        .next_frame(&mut buf)
        .context("cannot decode the screenshot")?;
    let bytes_per_pixel = info.line_size / info.width.max(1) as usize;
    let pixels = &buf[..info.buffer_size()];
    let mut colours = HashSet::new();
    // Count colours (capped) to tell a page from a blank or single-colour frame.
    for px in pixels.chunks_exact(bytes_per_pixel.max(1)).step_by(7) {
        colours.insert(px.to_vec());
        if colours.len() > 1000 {
            break;
        }
    }
    Ok(Picture {
        width: info.width,
        height: info.height,
        colours: colours.len(),
    })
}

/// Takes screenshots until two in a row are identical (fonts loaded, data
/// shown, transitions done), and answers the last.
pub async fn settled_screenshot(client: &Client) -> Result<Vec<u8>> {
    settled_screenshot_unlike(client, &[]).await
}

/// Like [`settled_screenshot`], but also waits until the picture differs from
/// `before` (a screenshot of the previous page): WebKit's WebDriver
/// screenshots can show the previous page for a while after the DOM changed.
pub async fn settled_screenshot_unlike(client: &Client, before: &[u8]) -> Result<Vec<u8>> {
    // A focused field's caret blinks: two screenshots would differ for ever
    // once taking one is slower than a blink. Hide it (focus stays).
    find::js(
        client,
        "document.documentElement.style.caretColor = 'transparent'; return true;",
        vec![],
    )
    .await?;
    let mut previous = client.screenshot().await.context("screenshot")?;
    find::until(
        client,
        "the page to stop changing (two identical screenshots)",
        async || {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let next = client.screenshot().await.context("screenshot")?;
            if next == previous && next != before {
                Ok(Seen::Ready(next))
            } else {
                let why = if next == before {
                    "the screenshot still shows the previous page"
                } else {
                    "the page is still changing"
                };
                previous = next;
                Ok(Seen::NotYet(why.to_owned()))
            }
        },
    )
    .await
}

/// Saves `png` as `<workspace>/e2e/screenshots/<name>.png` after checking it
/// shows a page (not blank) and, if given, has the viewport's size.
pub fn save_screenshot(name: &str, png_bytes: &[u8], size: Option<(u32, u32)>) -> Result<PathBuf> {
    let pic = picture(png_bytes)?;
    let path = workspace::screenshots_dir()?.join(format!("{name}.png"));
    std::fs::write(&path, png_bytes).with_context(|| format!("cannot write {}", path.display()))?;
    if pic.colours < 8 {
        bail!(
            "screenshot {} looks blank: {} colours in {}×{}",
            path.display(),
            pic.colours,
            pic.width,
            pic.height
        );
    }
    if let Some((w, h)) = size {
        ensure!(
            (pic.width, pic.height) == (w, h),
            "screenshot {} is {}×{}, expected the viewport {w}×{h}",
            path.display(),
            pic.width,
            pic.height
        );
    }
    Ok(path)
}

/// Waits until `n` photos (elements matching `selector`) are on the page.
pub async fn photos_shown(client: &Client, selector: &str, n: u64) -> Result<()> {
    find::until(client, &format!("{n} photo(s) at {selector}"), async || {
        let shown = find::js(
            client,
            "return document.querySelectorAll(arguments[0]).length;",
            vec![selector.into()],
        )
        .await?;
        Ok(if shown.as_u64() == Some(n) {
            Seen::Ready(())
        } else {
            Seen::NotYet(format!("{shown} shown"))
        })
    })
    .await
}
