//! Reading an asset's QR tag with the device: live from the camera where the
//! browser offers one (a phone, a tablet, a laptop; a secure origin), or
//! from a photo taken or chosen (everywhere, also where no live camera is
//! allowed). Decoding is pure Rust (`rqrr`) on the device: no picture
//! leaves it.

use std::time::Duration;

use houqin_shared::repairs::asset_code_in;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MediaStream, MediaStreamTrack};

use crate::i18n::{Key, tx};

/// Frames are scaled down to this many pixels on their longer side: a
/// printed tag filling a tenth of the frame still has 3 px per module.
const MAX_SIDE: u32 = 800;
/// How often a live frame is read.
const SCAN_EVERY: Duration = Duration::from_millis(250);

/// The text of the first QR code found in an RGBA image (row-major, 4
/// bytes a pixel, as a canvas gives it).
pub fn decode_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<String> {
    if width == 0 || height == 0 || rgba.len() < width.checked_mul(height)?.checked_mul(4)? {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let i = (y * width + x) * 4;
        let luma = (u32::from(rgba[i]) * 299
            + u32::from(rgba[i + 1]) * 587
            + u32::from(rgba[i + 2]) * 114)
            / 1000;
        u8::try_from(luma).unwrap_or(u8::MAX)
    });
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// A picture's pixels, scaled to fit [`MAX_SIDE`], through a canvas.
fn pixels(
    canvas: &HtmlCanvasElement,
    (width, height): (u32, u32),
    draw: impl FnOnce(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
) -> Option<(usize, usize, Vec<u8>)> {
    if width == 0 || height == 0 {
        return None;
    }
    let scale = (f64::from(MAX_SIDE) / f64::from(width.max(height))).min(1.0);
    let w = (f64::from(width) * scale).round().max(1.0);
    let h = (f64::from(height) * scale).round().max(1.0);
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    draw(&context, w, h).ok()?;
    let data = context.get_image_data(0.0, 0.0, w, h).ok()?;
    Some((w as usize, h as usize, data.data().0))
}

fn new_canvas() -> Option<HtmlCanvasElement> {
    web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()
}

/// Whether this browser offers live cameras at all (a secure origin with
/// `navigator.mediaDevices`; not the desktop shell's WebKit).
fn live_camera_offered() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"mediaDevices".into()).ok())
        .is_some_and(|d| !d.is_undefined() && !d.is_null())
}

/// The back camera (any camera where there is no back one), no sound.
async fn open_camera() -> Result<MediaStream, JsValue> {
    let devices = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .navigator()
        .media_devices()?;
    let constraints = js_sys::Object::new();
    let video = js_sys::Object::new();
    let facing = js_sys::Object::new();
    js_sys::Reflect::set(&facing, &"ideal".into(), &"environment".into())?;
    js_sys::Reflect::set(&video, &"facingMode".into(), &facing)?;
    js_sys::Reflect::set(&constraints, &"video".into(), &video)?;
    js_sys::Reflect::set(&constraints, &"audio".into(), &JsValue::FALSE)?;
    let stream =
        JsFuture::from(devices.get_user_media_with_constraints(&constraints.unchecked_into())?)
            .await?;
    stream.dyn_into()
}

/// A "scan the tag" control: `on_tag` gets the tag (`HQ-…`) read from a QR
/// code that names one; other codes are told apart and ignored.
#[component]
pub fn TagScanner(on_tag: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let scanning = RwSignal::new(false);
    let note = RwSignal::new(None::<Key>);
    let video = NodeRef::<html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
    let canvas = StoredValue::new_local(None::<HtmlCanvasElement>);
    let timer = StoredValue::new(None::<IntervalHandle>);
    let canvas_now = move || {
        if canvas.with_value(Option::is_none) {
            canvas.set_value(new_canvas());
        }
        canvas.get_value()
    };
    let stop = move || {
        if let Some(t) = timer.try_update_value(Option::take).flatten() {
            t.clear();
        }
        if let Some(s) = stream.try_update_value(Option::take).flatten() {
            for track in s.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
        if let Some(v) = video.get_untracked() {
            v.set_src_object(None);
        }
        scanning.try_set(false);
    };
    on_cleanup(stop);
    // A code was read: a tag ends the scan; anything else is said and the
    // camera goes on looking.
    let read = move |text: String| match asset_code_in(&text) {
        Some(code) => {
            stop();
            note.set(Some(Key::ScanFound));
            on_tag(code);
        }
        None => note.set(Some(Key::ScanNotATag)),
    };
    let frame = move || {
        let Some(v) = video.get_untracked() else {
            return;
        };
        // HAVE_CURRENT_DATA: a frame to read.
        if v.ready_state() < 2 {
            return;
        }
        let Some(c) = canvas_now() else { return };
        let size = (v.video_width(), v.video_height());
        if let Some((w, h, rgba)) = pixels(&c, size, |ctx, w, h| {
            ctx.draw_image_with_html_video_element_and_dw_and_dh(&v, 0.0, 0.0, w, h)
        }) && let Some(text) = decode_rgba(w, h, &rgba)
        {
            read(text);
        }
    };
    let start = move |_| {
        if scanning.get_untracked() {
            stop();
            note.set(None);
            return;
        }
        note.set(Some(Key::ScanAim));
        spawn_local(async move {
            match open_camera().await {
                Ok(s) => {
                    let Some(v) = video.get_untracked() else {
                        return;
                    };
                    v.set_src_object(Some(&s));
                    stream.set_value(Some(s));
                    scanning.set(true);
                    if let Ok(p) = v.play() {
                        let _ = JsFuture::from(p).await;
                    }
                    timer.set_value(set_interval_with_handle(frame, SCAN_EVERY).ok());
                }
                // No camera, refused, or not offered here (plain http, the
                // desktop shell): a photo still works.
                Err(_) => note.set(Some(Key::ScanNoCamera)),
            }
        });
    };
    let from_photo = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let Some(window) = web_sys::window() else {
                return;
            };
            let bitmap = match window.create_image_bitmap_with_blob(&file) {
                Ok(p) => JsFuture::from(p).await,
                Err(e) => Err(e),
            };
            let Ok(bitmap) = bitmap.and_then(|b| b.dyn_into::<web_sys::ImageBitmap>()) else {
                note.set(Some(Key::ScanNothing));
                return;
            };
            let Some(c) = canvas_now() else { return };
            let found = pixels(&c, (bitmap.width(), bitmap.height()), |ctx, w, h| {
                ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
            })
            .and_then(|(w, h, rgba)| decode_rgba(w, h, &rgba));
            match found {
                Some(text) => read(text),
                None => note.set(Some(Key::ScanNothing)),
            }
        });
    };
    view! {
        <div class="scanner" data-testid="tag-scanner">
            <div class="office-controls">
                {live_camera_offered().then(|| view! {
                    <button type="button" class="btn btn-secondary" data-testid="scan-start"
                        aria-pressed=move || scanning.get().to_string() on:click=start>
                        {move || if scanning.get() { tx(Key::ScanStop) } else { tx(Key::ScanCamera) }}
                    </button>
                })}
                <label class="btn btn-quiet" for="scan-photo">{tx(Key::ScanPhoto)}</label>
                <input id="scan-photo" class="visually-hidden" type="file" accept="image/*"
                    capture="environment" data-testid="scan-photo" on:change=from_photo />
            </div>
            <video node_ref=video class="scanner-video" data-testid="scan-video"
                hidden=move || !scanning.get() muted=true playsinline=true autoplay=true
                aria-label=move || Key::ScanAim.text(crate::i18n::use_i18n().lang.get())></video>
            <p class="muted" role="status" aria-live="polite" data-testid="scan-note"
                data-note=move || note.get().map(|k| format!("{k:?}")).unwrap_or_default()>
                {move || note.get().map(tx)}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code drawn as an RGBA picture: `scale` px a module, a quiet zone.
    fn picture(text: &str, scale: usize) -> (usize, Vec<u8>) {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("a code");
        let modules = code.width();
        let colors = code.to_colors();
        let side = (modules + 8) * scale;
        let mut rgba = vec![255u8; side * side * 4];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
                if mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark
                {
                    let i = (y * side + x) * 4;
                    rgba[i..i + 3].copy_from_slice(&[20, 20, 20]);
                }
            }
        }
        (side, rgba)
    }

    #[test]
    fn a_printed_tag_reads_back_as_its_code() {
        let (side, rgba) = picture("http://10.0.0.5:8080/report/HQ-000042", 4);
        let text = decode_rgba(side, side, &rgba).expect("a code is found");
        assert_eq!(asset_code_in(&text).as_deref(), Some("HQ-000042"));
    }

    #[test]
    fn a_blank_or_short_picture_reads_nothing() {
        assert_eq!(decode_rgba(64, 64, &vec![255; 64 * 64 * 4]), None);
        assert_eq!(decode_rgba(64, 64, &[0; 10]), None);
        assert_eq!(decode_rgba(0, 0, &[]), None);
    }
}
