//! The kiosk's offline indicator: online or not, and how much the kiosk may
//! still sell with the server out of reach (the caps of `shared::kiosk`).
//! In a browser the kiosk is online-only, and it says so.

use std::time::Duration;

use houqin_shared::Money;
use houqin_shared::kiosk::OfflineAllowance;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::{Key, fill, use_i18n};

const POLL_EVERY: Duration = Duration::from_secs(3);

/// What the indicator says, decided from the engine's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// A browser: online only.
    WebOnly,
    /// Online, with this much offline allowance should the network go.
    Online(i64),
    /// Offline and selling: this much left, this many sales to upload.
    Offline(i64, u32),
    /// Offline and unable to sell (no hotlist yet, or too old).
    Unable,
}

pub(super) fn shown(answer: Option<&OfflineAllowance>) -> Shown {
    match answer {
        None => Shown::WebOnly,
        Some(a) if a.online => Shown::Online(a.remaining),
        Some(a) if a.ready && !a.stale => Shown::Offline(a.remaining, a.pending_sales),
        Some(_) => Shown::Unable,
    }
}

/// Polls the engine every few seconds and whenever `refresh` changes (after
/// each sale).
#[component]
pub fn OfflineIndicator(#[prop(into)] refresh: Signal<u32>) -> impl IntoView {
    let lang = use_i18n().lang;
    let state = RwSignal::new(None::<Shown>);
    let load = move || {
        spawn_local(async move {
            if let Ok(answer) = api::offline_allowance().await {
                state.try_set(Some(shown(answer.as_ref())));
            }
        });
    };
    Effect::new(move |_| {
        refresh.track();
        load();
    });
    let timer = set_interval_with_handle(load, POLL_EVERY).ok();
    on_cleanup(move || {
        if let Some(timer) = timer {
            timer.clear();
        }
    });
    move || {
        let lang = lang.get();
        state.get().map(|s| {
            let (class, mode, text) = match s {
                Shown::WebOnly => ("kiosk-net", "web", Key::KioskWebOnline.text(lang).to_owned()),
                Shown::Online(left) => (
                    "kiosk-net",
                    "online",
                    fill(Key::KioskOnlineAllowance.text(lang), Money(left)),
                ),
                Shown::Offline(left, pending) => (
                    "kiosk-net kiosk-net-offline",
                    "offline",
                    fill(
                        &fill(Key::KioskOfflineAllowance.text(lang), Money(left)),
                        pending,
                    ),
                ),
                Shown::Unable => (
                    "kiosk-net kiosk-net-offline",
                    "unable",
                    Key::KioskOfflineUnable.text(lang).to_owned(),
                ),
            };
            let remaining = match s {
                Shown::Online(left) | Shown::Offline(left, _) => left,
                _ => 0,
            };
            view! {
                <p class=class role="status" data-testid="kiosk-offline" data-mode=mode data-remaining=remaining>
                    {text}
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use houqin_shared::kiosk::KioskPolicy;

    fn allowance(online: bool, ready: bool, stale: bool) -> OfflineAllowance {
        OfflineAllowance {
            online,
            ready,
            policy: KioskPolicy::default(),
            outstanding: 500,
            remaining: 1500,
            pending_sales: 2,
            hotlist_version: 4,
            hotlist_synced_at: None,
            stale,
        }
    }

    #[test]
    fn the_indicator_says_what_the_kiosk_can_do() {
        assert_eq!(shown(None), Shown::WebOnly);
        assert_eq!(
            shown(Some(&allowance(true, true, false))),
            Shown::Online(1500)
        );
        assert_eq!(
            shown(Some(&allowance(false, true, false))),
            Shown::Offline(1500, 2)
        );
        assert_eq!(shown(Some(&allowance(false, true, true))), Shown::Unable);
        assert_eq!(shown(Some(&allowance(false, false, false))), Shown::Unable);
    }
}
