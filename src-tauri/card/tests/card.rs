//! The kiosk reading cards through the real pcscd and the vsmartcard vpcd
//! reader, with our virtual card in slot 0 and the SAM in slot 1. One test
//! walks every case in turn: the reader has one card slot.
//!
//! Needs pcscd running with vpcd (`scripts/test.sh` starts it).

use std::time::{Duration, Instant};

use houqin_card::applet::{self, Applet, CardApplet, SamApplet};
use houqin_card::vpcd::VirtualCard;
use houqin_card::{CardError, Kiosk};

const CARD_READER: &str = "Virtual PCD 00 00";
const SAM_READER: &str = "Virtual PCD 00 01";
const MASTER: [u8; 16] = *b"houqin-master-01";
const UID: [u8; 7] = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
const WAIT: Duration = Duration::from_secs(10);

/// A card that misbehaves in one way, around a real applet.
struct Faulty {
    inner: CardApplet,
    fault: Fault,
}

#[derive(Clone, Copy)]
enum Fault {
    /// Taken out of the field when challenged.
    RemovedAtAuthenticate,
    /// Answers its id with a single byte.
    ShortId,
    /// Answers the challenge with too few bytes.
    ShortAuthenticate,
}

impl Applet for Faulty {
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    fn process(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        let ins = apdu.get(1).copied();
        match (self.fault, ins) {
            (Fault::RemovedAtAuthenticate, Some(applet::INS_AUTHENTICATE)) => None,
            (Fault::ShortId, Some(applet::INS_GET_ID)) => Some(vec![0x04, 0x90, 0x00]),
            (Fault::ShortAuthenticate, Some(applet::INS_AUTHENTICATE)) => {
                Some(vec![1, 2, 3, 0x90, 0x00])
            }
            _ => self.inner.process(apdu),
        }
    }
}

/// Another system's card: no campus-card applet.
struct Foreign;

impl Applet for Foreign {
    fn atr(&self) -> Vec<u8> {
        vec![0x3B, 0x80, 0x80, 0x01, 0x01]
    }
    fn reset(&mut self) {}
    fn process(&mut self, _: &[u8]) -> Option<Vec<u8>> {
        Some(applet::SW_NOT_FOUND.to_vec())
    }
}

fn card(master: &[u8; 16]) -> CardApplet {
    CardApplet::personalise(&UID, master, 1).expect("personalise")
}

/// Taps `applet` on the reader, reads it, takes it away again.
fn tap(
    kiosk: &Kiosk,
    applet: Box<dyn Applet>,
) -> (Result<houqin_card::CardRead, CardError>, Duration) {
    let inserted = VirtualCard::insert(0, applet).expect("vpcd accepts a card in slot 0");
    if let Err(e) = kiosk.wait_for_card(WAIT) {
        let mut buf = [0u8; 4096];
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("ctx");
        let mut states: Vec<pcsc::ReaderState> = ctx
            .list_readers(&mut buf)
            .expect("readers")
            .map(|r| pcsc::ReaderState::new(r.to_owned(), pcsc::State::UNAWARE))
            .collect();
        let _ = ctx.get_status_change(Some(Duration::ZERO), &mut states);
        let seen: Vec<String> = states
            .iter()
            .map(|s| format!("{:?}: {:?}", s.name(), s.event_state()))
            .collect();
        panic!(
            "pcscd does not see the card ({e}); answered {} APDUs; readers: {seen:?}",
            inserted.answered()
        );
    }
    let started = Instant::now();
    let result = kiosk.read();
    let took = started.elapsed();
    inserted.remove();
    kiosk
        .wait_for_removal(WAIT)
        .expect("pcscd sees the card go");
    (result, took)
}

#[test]
fn the_kiosk_reads_and_authenticates_cards_through_pcscd() {
    assert!(
        std::path::Path::new("/run/pcscd/pcscd.comm").exists(),
        "pcscd is not running: start it with `setsid pcscd -f -a &` (scripts/test.sh does)"
    );
    let kiosk = match Kiosk::open(CARD_READER, SAM_READER) {
        Ok(k) => k,
        Err(e) => panic!("{e} — install vsmartcard-vpcd and restart pcscd"),
    };
    let sam = VirtualCard::insert(1, Box::new(SamApplet::new(vec![(1, MASTER)])))
        .expect("vpcd accepts the SAM in slot 1");
    kiosk.wait_for_sam(WAIT).expect("pcscd sees the SAM");
    // An empty reader: nothing to read, said plainly.
    kiosk
        .wait_for_removal(WAIT)
        .expect("the card slot starts empty");
    assert!(matches!(
        kiosk.wait_for_card(Duration::from_millis(300)),
        Err(CardError::NoCard)
    ));
    assert!(matches!(kiosk.read(), Err(CardError::NoCard)));

    // A genuine card.
    let (read, took) = tap(&kiosk, Box::new(card(&MASTER)));
    let read = read.expect("a genuine card reads");
    assert_eq!(read.uid, UID);
    assert_eq!(read.uid_hex(), "04112233445566");
    assert_eq!(read.key_version, 1);
    println!("a genuine card read and authenticated in {took:?}");

    // Another system's card.
    let (read, _) = tap(&kiosk, Box::new(Foreign));
    assert!(matches!(read, Err(CardError::UnknownCard)), "{read:?}");

    // A card whose key does not come from our master key (a copy with a
    // guessed key): the SAM refuses its MAC.
    let (read, _) = tap(&kiosk, Box::new(card(b"not-the-master!!")));
    assert!(matches!(read, Err(CardError::WrongMac)), "{read:?}");

    // Taken away mid-transaction.
    let (read, _) = tap(
        &kiosk,
        Box::new(Faulty {
            inner: card(&MASTER),
            fault: Fault::RemovedAtAuthenticate,
        }),
    );
    assert!(matches!(read, Err(CardError::Removed)), "{read:?}");

    // Malformed answers.
    for fault in [Fault::ShortId, Fault::ShortAuthenticate] {
        let (read, _) = tap(
            &kiosk,
            Box::new(Faulty {
                inner: card(&MASTER),
                fault,
            }),
        );
        assert!(matches!(read, Err(CardError::Malformed(_))), "{read:?}");
    }

    // A card of a newer key version than the SAM holds.
    let newer = CardApplet::personalise(&UID, &MASTER, 2).expect("personalise");
    let (read, _) = tap(&kiosk, Box::new(newer));
    assert!(matches!(read, Err(CardError::Sam(_))), "{read:?}");

    // And a genuine card still reads after all that.
    let (read, _) = tap(&kiosk, Box::new(card(&MASTER)));
    assert_eq!(read.expect("reads").uid, UID);
    sam.remove();
}
