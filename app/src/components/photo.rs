//! Photos: showing one by its content hash (fetched with the session, not a
//! public URL), and choosing photos to attach to a form (checked, sent,
//! shown as thumbnails that can be removed).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api;
use crate::components::toast::ToastKind;
use crate::i18n::{Key, error_key, fill, tx, use_i18n};
use crate::session::use_session;

/// A photo named by its hash. Until it arrives (or if it cannot), a quiet
/// placeholder of the same size holds its place. `alt` describes it.
#[component]
pub fn Photo(
    hash: String,
    #[prop(into)] alt: Signal<String>,
    /// `photo-thumb` (a list's 64 px square) or `photo-wide`.
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let class = class.unwrap_or("photo-thumb");
    let src = RwSignal::new(None::<String>);
    {
        let hash = hash.clone();
        spawn_local(async move {
            if let Ok(s) = api::photo_src(&hash).await {
                src.try_set(Some(s));
            }
        });
    }
    move || match src.get() {
        Some(s) => view! {
            <img class=class src=s alt=move || alt.get() loading="lazy"
                data-testid="photo" data-hash=hash.clone() />
        }
        .into_any(),
        None => {
            view! { <span class=format!("{class} photo-placeholder") aria-hidden="true"></span> }
                .into_any()
        }
    }
}

/// Reads the files chosen in an `<input type=file>`.
async fn chosen_files(input: web_sys::HtmlInputElement) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Some(files) = input.files() else {
        return out;
    };
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        if let Ok(buffer) = JsFuture::from(file.array_buffer()).await {
            out.push(js_sys::Uint8Array::new(&buffer).to_vec());
        }
    }
    input.set_value("");
    out
}

/// Chooses and uploads up to `max` photos; `photos` holds their hashes in
/// order. A file that is not a JPEG, PNG or WebP image of at most 8 MiB is
/// refused here with a message and sent nowhere. `queued`: the form sends a
/// command the app queues (it uploads the photos first, whenever the
/// network allows), so in the app a photo kept on the device is enough —
/// offline too; otherwise the server must have it before the form is sent.
#[component]
pub fn PhotoInput(
    id: &'static str,
    label: Key,
    photos: RwSignal<Vec<String>>,
    max: usize,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] queued: bool,
) -> impl IntoView {
    let session = use_session();
    let lang = use_i18n().lang;
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        spawn_local(async move {
            busy.try_set(true);
            for bytes in chosen_files(input).await {
                if photos.with_untracked(Vec::len) >= max {
                    session.toaster.show(Key::PhotoTooMany, ToastKind::Error);
                    break;
                }
                match api::upload_photo(bytes, queued).await {
                    Ok(hash) => photos.update(|p| {
                        if !p.contains(&hash) {
                            p.push(hash);
                        }
                    }),
                    Err(e) if session.check(&e) => break,
                    Err(e) if e.field() == Some("photo") => {
                        session.toaster.show(Key::PhotoInvalid, ToastKind::Error);
                    }
                    Err(e) if e.code() == Some(houqin_shared::ErrorCode::Unavailable) => {
                        session.toaster.show(Key::PhotoWaiting, ToastKind::Error);
                    }
                    Err(e) => session.toaster.show(error_key(&e), ToastKind::Error),
                }
            }
            busy.try_set(false);
        });
    };
    let hint_id = format!("{id}-hint");
    let many = max > 1;
    let full = move || busy.get() || photos.with(Vec::len) >= max;
    view! {
        <div class="field photo-input">
            <label class="field-label" for=id>{tx(label)}</label>
            <p class="field-hint" id=hint_id.clone()>{move || fill(Key::PhotoHint.text(lang.get()), max)}</p>
            <input id=id type="file" accept="image/jpeg,image/png,image/webp" multiple=many
                class="field-input" data-testid=testid aria-describedby=hint_id
                disabled=full
                on:change=on_change />
            <ul class="photo-strip" aria-live="polite">
                {move || photos.get().into_iter().enumerate().map(|(i, hash)| {
                    let h = hash.clone();
                    view! {
                        <li>
                            <Photo hash=hash alt=Signal::derive(move || fill(Key::PhotoNumber.text(lang.get()), i + 1)) />
                            <button type="button" class="btn btn-quiet" data-testid="photo-remove"
                                aria-label=move || fill(Key::PhotoRemove.text(lang.get()), i + 1)
                                on:click=move |_| photos.update(|p| p.retain(|x| *x != h))>
                                "×"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || busy.get().then(|| view! { <p class="muted" role="status">{tx(Key::PhotoUploading)}</p> })}
        </div>
    }
}
