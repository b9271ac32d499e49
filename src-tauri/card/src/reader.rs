//! The kiosk's side, over PC/SC (`pcsc`): wait for a card, select the campus
//! card applet, read its id, challenge it, and have the SAM in the reader's
//! second slot check the answer. The kiosk never holds a card key or the
//! master key: the SAM derives the card's key and checks the MAC inside.
//!
//! Only a card that passes every step is a [`CardRead`]; anything else is a
//! [`CardError`] saying what went wrong, and the kiosk charges nothing.

use std::ffi::{CStr, CString};
use std::time::Duration;

use pcsc::{Card, Context, Protocols, ReaderState, Scope, ShareMode, State};

use crate::applet::{self, CARD_AID, CHALLENGE, SAM_AID};

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("no reader named like {0:?} (is pcscd running and the reader plugged in?)")]
    NoReader(String),
    #[error("no card was presented in time")]
    NoCard,
    #[error("the card was taken away before the reading finished; tap it again")]
    Removed,
    #[error("this is not a campus card")]
    UnknownCard,
    #[error("the card answered something malformed: {0}")]
    Malformed(String),
    #[error("the card failed authentication (a copy, or a card of another system)")]
    WrongMac,
    #[error("the SAM cannot check cards: {0}")]
    Sam(String),
    #[error("PC/SC: {0}")]
    Pcsc(#[source] pcsc::Error),
    /// No answer at all: the card left the field, or it is broken. [`Kiosk::read`]
    /// tells which by asking the reader.
    #[error("the card did not answer")]
    Silent,
}

impl From<pcsc::Error> for CardError {
    fn from(e: pcsc::Error) -> Self {
        match e {
            pcsc::Error::RemovedCard
            | pcsc::Error::ResetCard
            | pcsc::Error::NoSmartcard
            | pcsc::Error::UnpoweredCard
            | pcsc::Error::UnresponsiveCard => CardError::Removed,
            other => CardError::Pcsc(other),
        }
    }
}

impl CardError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoReader(_) => "no_reader",
            Self::NoCard => "no_card",
            Self::Removed => "card_removed",
            Self::UnknownCard => "unknown_card",
            Self::Malformed(_) => "malformed",
            Self::WrongMac => "wrong_mac",
            Self::Sam(_) => "sam",
            Self::Pcsc(_) => "reader",
            Self::Silent => "no_answer",
        }
    }
}

/// A card that proved itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    pub uid: Vec<u8>,
    pub key_version: u8,
}

impl CardRead {
    /// The id as the server knows cards: upper-case hex.
    pub fn uid_hex(&self) -> String {
        self.uid.iter().map(|b| format!("{b:02X}")).collect()
    }
}

/// How long a silent card may take to show as gone (pcscd polls readers
/// about every 400 ms).
const SILENCE: Duration = Duration::from_millis(1500);

/// The kiosk's two slots: the card reader and the SAM.
pub struct Kiosk {
    ctx: Context,
    card_reader: CString,
    sam_reader: CString,
}

fn find_reader(ctx: &Context, like: &str) -> Result<CString, CardError> {
    let mut buf = vec![0u8; 4096];
    let readers = match ctx.list_readers(&mut buf) {
        Ok(r) => r.map(CStr::to_owned).collect::<Vec<_>>(),
        Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    readers
        .into_iter()
        .find(|r| r.to_string_lossy().contains(like))
        .ok_or_else(|| CardError::NoReader(like.to_owned()))
}

/// Splits an answer into data and status word.
fn split(answer: &[u8]) -> Result<(&[u8], [u8; 2]), CardError> {
    match answer.len() {
        0 | 1 => Err(CardError::Malformed(format!(
            "an answer of {} byte(s), with no status word",
            answer.len()
        ))),
        n => Ok((&answer[..n - 2], [answer[n - 2], answer[n - 1]])),
    }
}

fn transmit(card: &Card, apdu: &[u8]) -> Result<(Vec<u8>, [u8; 2]), CardError> {
    let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
    let answer = card.transmit(apdu, &mut buf)?;
    if answer.is_empty() {
        return Err(CardError::Silent);
    }
    let (data, sw) = split(answer)?;
    Ok((data.to_vec(), sw))
}

impl Kiosk {
    /// Opens the PC/SC context and finds the two readers by (part of) their
    /// names, e.g. `"Virtual PCD 00 00"` and `"Virtual PCD 00 01"`.
    pub fn open(card_reader: &str, sam_reader: &str) -> Result<Kiosk, CardError> {
        let ctx = Context::establish(Scope::User)?;
        let card_reader = find_reader(&ctx, card_reader)?;
        let sam_reader = find_reader(&ctx, sam_reader)?;
        Ok(Kiosk {
            ctx,
            card_reader,
            sam_reader,
        })
    }

    /// Waits until `reader` holds a card (`present`) or is empty; `NoCard`
    /// when `timeout` passes first.
    fn wait(&self, reader: &CStr, present: bool, timeout: Duration) -> Result<(), CardError> {
        let deadline = std::time::Instant::now() + timeout;
        // UNAWARE: the first call answers at once with the reader's state.
        let mut states = [ReaderState::new(reader.to_owned(), State::UNAWARE)];
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.ctx.get_status_change(Some(left), &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return Err(CardError::NoCard),
                Err(e) => return Err(e.into()),
            }
            if states[0].event_state().contains(State::PRESENT) == present {
                return Ok(());
            }
            states[0].sync_current_state();
        }
    }

    /// Waits until a card is on the reader (`NoCard` after `timeout`).
    pub fn wait_for_card(&self, timeout: Duration) -> Result<(), CardError> {
        self.wait(&self.card_reader, true, timeout)
    }

    /// Waits until the reader is empty again.
    pub fn wait_for_removal(&self, timeout: Duration) -> Result<(), CardError> {
        self.wait(&self.card_reader, false, timeout)
    }

    /// Waits until the SAM is in its slot.
    pub fn wait_for_sam(&self, timeout: Duration) -> Result<(), CardError> {
        self.wait(&self.sam_reader, true, timeout)
    }

    /// Reads and authenticates the card on the reader.
    pub fn read(&self) -> Result<CardRead, CardError> {
        let card = self
            .ctx
            .connect(&self.card_reader, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => CardError::NoCard,
                other => other.into(),
            })?;
        let result = self.read_card(&card);
        // Leave the card as it is: resetting one that has gone only errs.
        let _ = card.disconnect(pcsc::Disposition::LeaveCard);
        result.map_err(|e| match e {
            // A card that stops answering has usually left the field; the
            // reader says so within its next poll.
            CardError::Silent => match self.wait(&self.card_reader, false, SILENCE) {
                Ok(()) => CardError::Removed,
                Err(_) => CardError::Malformed("the card stopped answering".into()),
            },
            other => other,
        })
    }

    fn read_card(&self, card: &Card) -> Result<CardRead, CardError> {
        match transmit(card, &applet::select(&CARD_AID))? {
            (_, applet::SW_OK) => {}
            (_, applet::SW_NOT_FOUND) => return Err(CardError::UnknownCard),
            (_, sw) => return Err(CardError::Malformed(format!("SELECT answered {sw:02X?}"))),
        }
        let (id, sw) = transmit(card, &applet::get_id())?;
        if sw != applet::SW_OK || !(5..=11).contains(&id.len()) {
            return Err(CardError::Malformed(format!(
                "GET ID answered {} bytes, {sw:02X?}",
                id.len()
            )));
        }
        let (uid, key_version) = (id[..id.len() - 1].to_vec(), id[id.len() - 1]);
        let rc: [u8; CHALLENGE] = rand::random();
        let (answer, sw) = transmit(card, &applet::authenticate(&rc))?;
        if sw != applet::SW_OK || answer.len() != 2 * CHALLENGE {
            return Err(CardError::Malformed(format!(
                "AUTHENTICATE answered {} bytes, {sw:02X?}",
                answer.len()
            )));
        }
        let (cc, mac) = answer.split_at(CHALLENGE);
        let cc: [u8; CHALLENGE] = cc
            .try_into()
            .map_err(|_| CardError::Malformed("card challenge".into()))?;
        let mac: [u8; CHALLENGE] = mac
            .try_into()
            .map_err(|_| CardError::Malformed("MAC".into()))?;
        self.check_with_sam(key_version, &uid, &rc, &cc, &mac)?;
        Ok(CardRead { uid, key_version })
    }

    fn check_with_sam(
        &self,
        key_version: u8,
        uid: &[u8],
        rc: &[u8; CHALLENGE],
        cc: &[u8; CHALLENGE],
        mac: &[u8; CHALLENGE],
    ) -> Result<(), CardError> {
        let sam = self
            .ctx
            .connect(&self.sam_reader, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| CardError::Sam(e.to_string()))?;
        let sam_error = |e: CardError| CardError::Sam(e.to_string());
        match transmit(&sam, &applet::select(&SAM_AID)).map_err(sam_error)? {
            (_, applet::SW_OK) => {}
            (_, sw) => {
                let _ = sam.disconnect(pcsc::Disposition::LeaveCard);
                return Err(CardError::Sam(format!("SELECT answered {sw:02X?}")));
            }
        }
        let verdict = transmit(&sam, &applet::verify(key_version, uid, rc, cc, mac));
        let _ = sam.disconnect(pcsc::Disposition::LeaveCard);
        match verdict.map_err(sam_error)? {
            (_, applet::SW_OK) => Ok(()),
            (_, applet::SW_SECURITY) => Err(CardError::WrongMac),
            (_, applet::SW_WRONG_P1P2) => Err(CardError::Sam(format!(
                "no master key of version {key_version}"
            ))),
            (_, sw) => Err(CardError::Sam(format!("VERIFY answered {sw:02X?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_split_into_data_and_status() {
        assert_eq!(split(&[1, 2, 0x90, 0]).unwrap(), (&[1u8, 2][..], [0x90, 0]));
        assert_eq!(split(&[0x6A, 0x82]).unwrap(), (&[][..], [0x6A, 0x82]));
        assert!(matches!(split(&[0x90]), Err(CardError::Malformed(_))));
        assert!(matches!(split(&[]), Err(CardError::Malformed(_))));
    }

    #[test]
    fn removal_is_told_apart() {
        for e in [
            pcsc::Error::RemovedCard,
            pcsc::Error::ResetCard,
            pcsc::Error::NoSmartcard,
        ] {
            assert_eq!(CardError::from(e).code(), "card_removed");
        }
        assert_eq!(CardError::from(pcsc::Error::Timeout).code(), "reader");
        let read = CardRead {
            uid: vec![0x04, 0xab, 0x01],
            key_version: 1,
        };
        assert_eq!(read.uid_hex(), "04AB01");
    }
}
