//! Live updates for the web app: the server's event stream (`GET
//! /sync/events`, opened with a one-minute ticket) pokes when any of the
//! session's scopes changes — a dish sold out, an order ready — and the
//! pages that watch the sync revision fetch again at once. The desktop and
//! mobile app get the same pokes through their engine.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;

/// The count of pokes received (coalesced): pages that show shared, fast-
/// changing data (menus, queues) fetch again when it moves. Kept apart from
/// the sync monitor's revision so pages with forms are not re-rendered by
/// other people's changes.
#[derive(Debug, Clone, Copy)]
pub struct LiveRevision(pub RwSignal<u64>);

/// The live revision (a still signal where none is provided).
pub fn use_live() -> RwSignal<u64> {
    use_context::<LiveRevision>().map_or_else(|| RwSignal::new(0), |l| l.0)
}

/// Wait before opening the stream again after it failed.
const RETRY: Duration = Duration::from_secs(3);

/// Pokes within this long of each other refresh the pages once.
const COALESCE: Duration = Duration::from_millis(250);

thread_local! {
    /// The open stream, if any (the UI is single-threaded).
    static STREAM: RefCell<Option<web_sys::EventSource>> = const { RefCell::new(None) };
    /// A refresh is already on its way.
    static PENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Bumped to stop: a stream opened by an older generation closes itself.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Listens for pokes, bumping `revision` at each, until the returned stop
/// function is called.
pub fn listen(revision: RwSignal<u64>) -> impl FnOnce() + Send + Sync + 'static {
    let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    connect(revision, generation);
    move || {
        GENERATION.fetch_add(1, Ordering::SeqCst);
        close();
    }
}

fn close() {
    STREAM.with(|s| {
        if let Some(es) = s.borrow_mut().take() {
            es.close();
        }
    });
}

fn current(generation: u64) -> bool {
    GENERATION.load(Ordering::SeqCst) == generation
}

fn retry(revision: RwSignal<u64>, generation: u64) {
    set_timeout(
        move || {
            if current(generation) {
                connect(revision, generation);
            }
        },
        RETRY,
    );
}

fn connect(revision: RwSignal<u64>, generation: u64) {
    spawn_local(async move {
        let Ok(ticket) = api::event_ticket().await else {
            retry(revision, generation);
            return;
        };
        if !current(generation) {
            return;
        }
        let url = format!("/api/v1/sync/events?ticket={}", ticket.ticket);
        let Ok(es) = web_sys::EventSource::new(&url) else {
            retry(revision, generation);
            return;
        };
        let on_poke = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if PENDING.with(|p| p.replace(true)) {
                return;
            }
            set_timeout(
                move || {
                    PENDING.with(|p| p.set(false));
                    revision.try_update(|r| *r += 1);
                },
                COALESCE,
            );
        });
        let _ = es.add_event_listener_with_callback("poke", on_poke.as_ref().unchecked_ref());
        on_poke.forget();
        // A dropped stream (the server restarted, the ticket ran out): open
        // a new one with a fresh ticket.
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            close();
            if current(generation) {
                retry(revision, generation);
            }
        });
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        STREAM.with(|s| {
            if let Some(old) = s.borrow_mut().replace(es) {
                old.close();
            }
        });
    });
}
