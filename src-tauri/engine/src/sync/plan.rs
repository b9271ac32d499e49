//! The decisions sync makes, as pure functions over plain data, so each is a
//! table test (atuin's `SyncEngine::operations`): which entries one push
//! carries, what to do after the server answers, how a pulled scope page moves
//! the mirror and its cursor, which outbox entries a rebase re-applies, and
//! which are pruned.

use std::ops::RangeInclusive;

use houqin_shared::sync::{PUSH_MAX_COMMANDS, PushResponse};

/// The most bytes of payload one push carries, well under the server's body
/// limit (2 MiB), so a batch of large commands is never refused whole (that
/// would wedge the queue).
pub const PUSH_MAX_BYTES: usize = 1024 * 1024;

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Not yet answered by the server.
    Pending,
    /// Accepted; kept (and re-applied at rebase) until a pull shows its effect.
    Accepted,
    /// Rejected: final, shown to the user until dismissed; no local effect.
    Rejected,
}

/// An outbox entry as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub seq: u64,
    pub state: EntryState,
    /// The encoded payload's size.
    pub bytes: usize,
}

/// The seqs the next push carries: consecutive entries from `resume_from` (a
/// server's `expected_seq`) or else from the first pending one, at most
/// [`PUSH_MAX_COMMANDS`] and [`PUSH_MAX_BYTES`] (but always at least one).
/// `entries` are in `seq` order. `None`: nothing to push.
pub fn push_batch(entries: &[Queued], resume_from: Option<u64>) -> Option<RangeInclusive<u64>> {
    let start_at = match resume_from {
        Some(seq) => entries.iter().position(|e| e.seq == seq)?,
        None => entries
            .iter()
            .position(|e| e.state == EntryState::Pending)?,
    };
    let first = entries[start_at].seq;
    let mut last = first;
    let mut bytes = 0usize;
    for (n, entry) in entries[start_at..].iter().enumerate() {
        // The server wants consecutive seqs; a hole (a pruned entry) ends the batch.
        let consecutive = entry.seq == first + n as u64;
        let fits = n < PUSH_MAX_COMMANDS && (n == 0 || bytes + entry.bytes <= PUSH_MAX_BYTES);
        if !consecutive || !fits {
            break;
        }
        bytes += entry.bytes;
        last = entry.seq;
    }
    Some(first..=last)
}

/// What to do once the server has answered a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPush {
    /// Push the next batch of pending entries, if any.
    Next,
    /// The server is behind what the client sent: send again from this seq.
    ResendFrom(u64),
    /// The server wants a seq the outbox no longer has (the server lost state,
    /// e.g. a restore from backup). Nothing the client can do; needs a person.
    Stuck { expected: u64 },
}

/// `sent` is the batch just pushed, `oldest_local` the lowest seq still in the outbox.
pub fn after_push(
    sent: &RangeInclusive<u64>,
    response: &PushResponse,
    oldest_local: Option<u64>,
) -> AfterPush {
    match response.expected_seq {
        None => AfterPush::Next,
        Some(expected) if expected > *sent.end() => AfterPush::Next,
        Some(expected) if oldest_local.is_some_and(|oldest| oldest <= expected) => {
            AfterPush::ResendFrom(expected)
        }
        Some(expected) => AfterPush::Stuck { expected },
    }
}

/// How one pulled scope page lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopePlan {
    /// Delete the scope's rows before applying the page.
    pub drop_rows_first: bool,
    /// The cursor to store.
    pub cursor: u64,
}

/// `stored` is the client's cursor for the scope (`None`: it had none).
///
/// A reset replaces the scope wholesale, so its version is taken as it is. A
/// stored cursor of 0 means the client asked for a fresh snapshot (after a
/// checksum mismatch): it drops its rows first even if the server answered
/// with the whole log instead of a reset. Otherwise the cursor never goes
/// backwards (invariant 5), whatever the page says.
pub fn plan_scope(stored: Option<u64>, reset: bool, page_version: u64) -> ScopePlan {
    if reset || stored == Some(0) {
        return ScopePlan {
            drop_rows_first: true,
            cursor: page_version,
        };
    }
    ScopePlan {
        drop_rows_first: false,
        cursor: stored.unwrap_or(0).max(page_version),
    }
}

/// What a scope's checksum says once a page is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// The page did not reach the scope's current version: nothing to compare.
    Unchecked,
    Agrees,
    /// The mirror has drifted: its cursor goes to 0 so the next pull re-snapshots
    /// the scope (the outbox is kept).
    Differs {
        expected: u64,
        local: u64,
    },
}

pub fn checksum(expected: Option<u64>, local: u64) -> Checksum {
    match expected {
        None => Checksum::Unchecked,
        Some(expected) if expected == local => Checksum::Agrees,
        Some(expected) => Checksum::Differs { expected, local },
    }
}

/// Whether a rebase re-applies the entry on top of the server's rows: every
/// entry whose effect the server's rows may not show yet, unless it was rejected.
pub fn reapplies(state: EntryState) -> bool {
    matches!(state, EntryState::Pending | EntryState::Accepted)
}

/// Whether a complete pull (no `more`) lets the entry go: accepted, and at or
/// below the `last_applied_seq` the pull was read with, so its effect is in the rows.
pub fn prunable(entry: Queued, pulled_last_applied: u64) -> bool {
    entry.state == EntryState::Accepted && entry.seq <= pulled_last_applied
}

/// The `acked` a pull sends: the highest seq below which every outcome is
/// already recorded, so the server resends the outcomes of any push whose
/// answer was lost. `last_seq` is the last seq handed out.
pub fn acked(oldest_pending: Option<u64>, last_seq: u64) -> u64 {
    match oldest_pending {
        Some(seq) => seq.saturating_sub(1),
        None => last_seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntryState::{Accepted as A, Pending as P, Rejected as R};

    fn queue(entries: &[(u64, EntryState)]) -> Vec<Queued> {
        entries
            .iter()
            .map(|&(seq, state)| Queued {
                seq,
                state,
                bytes: 10,
            })
            .collect()
    }

    #[test]
    fn which_entries_a_push_carries() {
        /// (outbox, resume from) → the batch
        type Case = (
            &'static [(u64, EntryState)],
            Option<u64>,
            Option<RangeInclusive<u64>>,
        );
        let cases: &[Case] = &[
            (&[], None, None),
            (&[(1, A), (2, R)], None, None),
            (&[(1, P)], None, Some(1..=1)),
            (&[(3, A), (4, R), (5, P), (6, P)], None, Some(5..=6)),
            // A server behind the client: resend from its expected seq, answered ones too.
            (&[(3, A), (4, R), (5, P), (6, P)], Some(3), Some(3..=6)),
            // The expected seq is gone from the outbox: nothing to send from there.
            (&[(3, A), (4, P)], Some(2), None),
            // A hole ends the batch; the server wants consecutive seqs.
            (&[(1, P), (2, P), (4, P)], None, Some(1..=2)),
        ];
        for (entries, resume, want) in cases {
            assert_eq!(
                push_batch(&queue(entries), *resume),
                want.clone(),
                "{entries:?} from {resume:?}"
            );
        }
    }

    #[test]
    fn a_push_is_capped_by_count_and_bytes() {
        let many: Vec<Queued> = (1..=1_200)
            .map(|seq| Queued {
                seq,
                state: P,
                bytes: 10,
            })
            .collect();
        assert_eq!(push_batch(&many, None), Some(1..=500));
        assert_eq!(push_batch(&many[500..], None), Some(501..=1000));
        assert_eq!(push_batch(&many[1000..], None), Some(1001..=1200));

        let big = |seq| Queued {
            seq,
            state: P,
            bytes: PUSH_MAX_BYTES / 2,
        };
        assert_eq!(push_batch(&[big(1), big(2), big(3)], None), Some(1..=2));
        // One entry larger than the cap still goes, alone.
        let huge = Queued {
            seq: 7,
            state: P,
            bytes: PUSH_MAX_BYTES * 3,
        };
        assert_eq!(push_batch(&[huge, big(8)], None), Some(7..=7));
    }

    #[test]
    fn what_follows_a_push() {
        let answer = |expected_seq| PushResponse {
            last_applied_seq: 0,
            outcomes: vec![],
            expected_seq,
        };
        let cases = [
            (5..=9, None, Some(5), AfterPush::Next),
            (5..=9, Some(10), Some(5), AfterPush::Next),
            (5..=9, Some(3), Some(2), AfterPush::ResendFrom(3)),
            (5..=9, Some(3), Some(3), AfterPush::ResendFrom(3)),
            (5..=9, Some(7), Some(5), AfterPush::ResendFrom(7)),
            (5..=9, Some(3), Some(4), AfterPush::Stuck { expected: 3 }),
            (5..=9, Some(3), None, AfterPush::Stuck { expected: 3 }),
        ];
        for (sent, expected, oldest, want) in cases {
            assert_eq!(
                after_push(&sent, &answer(expected), oldest),
                want,
                "{sent:?} {expected:?} {oldest:?}"
            );
        }
    }

    #[test]
    fn how_a_scope_page_lands() {
        let cases = [
            // (stored cursor, reset, page version) → plan
            (None, true, 7, true, 7),
            (Some(3), false, 7, false, 7),
            // An older page never moves the cursor back.
            (Some(9), false, 7, false, 9),
            (None, false, 4, false, 4),
            // A reset takes the server's version, even a lower one.
            (Some(9), true, 2, true, 2),
            // A re-snapshot the client asked for drops its rows first.
            (Some(0), false, 5, true, 5),
            (Some(0), true, 0, true, 0),
        ];
        for (stored, reset, version, drop, cursor) in cases {
            assert_eq!(
                plan_scope(stored, reset, version),
                ScopePlan {
                    drop_rows_first: drop,
                    cursor
                },
                "{stored:?} {reset} {version}"
            );
        }
    }

    #[test]
    fn checksums() {
        assert_eq!(checksum(None, 5), Checksum::Unchecked);
        assert_eq!(checksum(Some(5), 5), Checksum::Agrees);
        assert_eq!(
            checksum(Some(5), 6),
            Checksum::Differs {
                expected: 5,
                local: 6
            }
        );
    }

    #[test]
    fn rebase_and_prune() {
        let cases = [
            // (seq, state, pulled last_applied) → (re-applied, pruned)
            (3, P, 5, true, false),
            (3, A, 5, true, true),
            (5, A, 5, true, true),
            (6, A, 5, true, false),
            (3, R, 5, false, false),
        ];
        for (seq, state, applied, reapplied, pruned) in cases {
            let entry = Queued {
                seq,
                state,
                bytes: 1,
            };
            assert_eq!(reapplies(state), reapplied, "{entry:?}");
            assert_eq!(prunable(entry, applied), pruned, "{entry:?} at {applied}");
        }
    }

    #[test]
    fn what_a_pull_acknowledges() {
        assert_eq!(acked(None, 0), 0);
        assert_eq!(acked(None, 12), 12);
        assert_eq!(acked(Some(1), 12), 0);
        assert_eq!(acked(Some(8), 12), 7);
    }
}
