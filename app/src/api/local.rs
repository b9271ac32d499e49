//! What this install keeps in `localStorage`. Every key is listed here, and the
//! privacy note on the account page says why each is kept.
//!
//! Storage can be refused (private windows, quota): every write is best effort
//! and every read falls back to "nothing stored".

use houqin_shared::accounts::{DEVICE_ID_MAX, Lang};

/// `{access_token, refresh_token}` of the browser session (browser host only).
pub(super) const SESSION: &str = "houqin.session";
/// A UUIDv7 made once per install; tokens are bound to it.
pub(super) const DEVICE_ID: &str = "houqin.device_id";
/// The UI language the user chose on this device.
const LANG: &str = "houqin.lang";
/// The last username that signed in here, to prefill the login form.
const LAST_USERNAME: &str = "houqin.last_username";
/// This browser's pay-code key (an Ed25519 secret, base64url): the public
/// half is sent at login, the codes it signs let the owner pay by QR.
const PAY_KEY: &str = "houqin.pay_key";
/// The window a cashier's kiosk sells for (a kiosk stands at one window).
const KIOSK_WINDOW: &str = "houqin.kiosk_window";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(super) fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

pub(super) fn set(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // Best effort: without storage the session lasts as long as the page.
        let _ = storage.set_item(key, value);
    }
}

pub(super) fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

pub fn saved_lang() -> Option<Lang> {
    get(LANG).as_deref().and_then(Lang::parse)
}

pub fn store_lang(lang: Lang) {
    set(LANG, lang.as_str());
}

/// Fills `buf` from the browser's cryptographic random source.
pub(super) fn random_bytes(buf: &mut [u8]) {
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(buf);
    }
}

/// This browser's pay-code key, made on first use. `None` without storage or
/// a random source (then no pay codes here).
pub(super) fn pay_key() -> Option<houqin_shared::paycode::SigningKey> {
    use houqin_shared::paycode;
    if let Some(key) = get(PAY_KEY).as_deref().and_then(paycode::decode_secret) {
        return Some(key);
    }
    let mut secret = [0u8; 32];
    random_bytes(&mut secret);
    if secret == [0u8; 32] {
        return None;
    }
    let key = paycode::signing_key(&secret);
    set(PAY_KEY, &paycode::encode_secret(&key));
    Some(key)
}

pub fn kiosk_window() -> Option<String> {
    get(KIOSK_WINDOW).filter(|id| !id.is_empty())
}

pub fn store_kiosk_window(id: &str) {
    set(KIOSK_WINDOW, id);
}

pub fn last_username() -> Option<String> {
    get(LAST_USERNAME).filter(|name| !name.is_empty())
}

pub(super) fn store_last_username(username: &str) {
    set(LAST_USERNAME, username.trim());
}

/// This install's id, made on first use.
pub(super) fn device_id() -> String {
    match get(DEVICE_ID) {
        Some(id) if !id.is_empty() && id.len() <= DEVICE_ID_MAX => id,
        _ => {
            let id = uuid::Uuid::now_v7().to_string();
            set(DEVICE_ID, &id);
            id
        }
    }
}
