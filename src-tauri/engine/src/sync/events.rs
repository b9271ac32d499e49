//! Live pokes: while someone is signed in, the engine holds the server's event
//! stream open (`/sync/events`, a minute's ticket from `/sync/events/ticket`)
//! and wakes the sync loop at each `poke` — including the one the server sends
//! at connect, so a device that was away catches up at once. Data still only
//! comes by pull. A dropped stream is reopened with backoff; meanwhile the
//! loop's timer keeps syncing.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::SyncSchedule;
use crate::Engine;
use crate::error::EngineError;

/// One server-sent event (only the fields Houqin uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: String,
    pub data: String,
}

/// Splits a `text/event-stream` into events as bytes arrive, in any pieces.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    pending: Vec<u8>,
    event: String,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; answers the events they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                // A blank line ends an event; one without data is no event.
                if !self.data.is_empty() {
                    let event = std::mem::take(&mut self.event);
                    out.push(SseEvent {
                        event: if event.is_empty() {
                            "message".into()
                        } else {
                            event
                        },
                        data: self.data.join("\n"),
                    });
                    self.data.clear();
                }
                self.event.clear();
                continue;
            }
            if line.starts_with(':') {
                continue; // a comment: the keep-alive
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.event = value.to_owned(),
                "data" => self.data.push(value.to_owned()),
                _ => {} // id, retry: unused
            }
        }
        out
    }
}

/// Sets `live` while the stream is open, clears it however it ends.
struct Live<'a>(&'a Engine);

impl Drop for Live<'_> {
    fn drop(&mut self) {
        self.0.sync.live.store(false, Ordering::SeqCst);
    }
}

impl Engine {
    /// Holds the event stream open and pokes the sync loop at each event;
    /// reopens it with backoff (`schedule.retry_*`) when it drops or cannot
    /// open (offline, signed out). Runs until its task is dropped.
    pub(super) async fn listen_for_pokes(self: Arc<Self>, schedule: SyncSchedule) {
        let mut failures: u32 = 0;
        loop {
            match self.listen_once().await {
                // The server closed the stream (e.g. shutting down): reopen soon.
                Ok(()) => failures = 1,
                Err(EngineError::SignedOut) => failures = failures.saturating_add(1),
                Err(e) => {
                    tracing::debug!(error = %e, "event stream unavailable");
                    failures = failures.saturating_add(1);
                }
            }
            let wait = backoff(&schedule, failures);
            tokio::time::sleep(wait).await;
        }
    }

    async fn listen_once(&self) -> Result<(), EngineError> {
        let ticket = self
            .with_token(|token| async move { self.client.event_ticket(&token).await })
            .await?;
        let mut stream = self.client.open_events(&ticket.ticket).await?;
        self.sync.live.store(true, Ordering::SeqCst);
        let _live = Live(self);
        let mut parser = SseParser::default();
        while let Some(chunk) = stream.next_chunk().await? {
            for event in parser.feed(&chunk) {
                if event.event == "poke" {
                    tracing::debug!(scopes = %event.data, "poked");
                    self.sync.poke();
                }
            }
        }
        Ok(())
    }
}

/// `retry_base · 2^(failures-1)`, at most `retry_max`; no wait before the first try.
fn backoff(schedule: &SyncSchedule, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    schedule
        .retry_base
        .saturating_mul(factor)
        .min(schedule.retry_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_any_chunks() {
        let stream = b": keep-alive\n\nevent: poke\ndata: {\"scopes\":[\"user:1\"]}\n\n\
            event: poke\r\ndata: a\r\ndata: b\r\n\r\ndata: plain\n\nevent: empty\n\n";
        let expected = vec![
            SseEvent {
                event: "poke".into(),
                data: r#"{"scopes":["user:1"]}"#.into(),
            },
            SseEvent {
                event: "poke".into(),
                data: "a\nb".into(),
            },
            SseEvent {
                event: "message".into(),
                data: "plain".into(),
            },
        ];
        for size in [1, 2, 3, 7, 64, stream.len()] {
            let mut parser = SseParser::default();
            let mut got = Vec::new();
            for piece in stream.chunks(size) {
                got.extend(parser.feed(piece));
            }
            assert_eq!(got, expected, "pieces of {size}");
        }
        // An unfinished event is held until its blank line.
        let mut parser = SseParser::default();
        assert_eq!(parser.feed(b"event: poke\ndata: x\n"), vec![]);
        assert_eq!(parser.feed(b"\n").len(), 1);
    }

    #[test]
    fn reconnects_back_off_to_a_ceiling() {
        let schedule = SyncSchedule {
            interval: Duration::from_secs(30),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (0..8).map(|n| backoff(&schedule, n).as_secs()).collect();
        assert_eq!(waits, vec![0, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(&schedule, u32::MAX), Duration::from_secs(60));
    }
}
