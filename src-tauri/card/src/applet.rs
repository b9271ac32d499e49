//! The campus-card applet protocol (`docs/card-protocol.md`): ISO 7816-4
//! APDUs, the card's applet and the kiosk SAM's applet. Pure: bytes in,
//! bytes out. The virtual card runs these applets; the kiosk speaks to them.

use crate::crypto::{self, Block, Key};

/// The card applet's AID: proprietary (`F0`), "HQCARD", version 1.
pub const CARD_AID: [u8; 8] = [0xF0, 0x48, 0x51, 0x43, 0x41, 0x52, 0x44, 0x01];
/// The SAM applet's AID: proprietary, "HQSAM", version 1.
pub const SAM_AID: [u8; 8] = [0xF0, 0x48, 0x51, 0x53, 0x41, 0x4D, 0x00, 0x01];
/// The system identifier in the key diversification input.
pub const SYSTEM_ID: &[u8; 2] = b"HQ";
/// Domain separation for the authentication MAC.
const AUTH_LABEL: &[u8; 4] = b"HQA1";

/// Proprietary class byte.
pub const CLA: u8 = 0x80;
pub const INS_SELECT: u8 = 0xA4;
/// Card: answers its id and key version.
pub const INS_GET_ID: u8 = 0xCA;
/// Card: answers a challenge with its own challenge and a MAC over both.
pub const INS_AUTHENTICATE: u8 = 0x88;
/// SAM: checks a card's MAC with the card's diversified key; P1 = key version.
pub const INS_VERIFY: u8 = 0xA0;

pub const SW_OK: [u8; 2] = [0x90, 0x00];
pub const SW_WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
pub const SW_SECURITY: [u8; 2] = [0x69, 0x82];
pub const SW_NOT_ALLOWED: [u8; 2] = [0x69, 0x85];
pub const SW_NOT_FOUND: [u8; 2] = [0x6A, 0x82];
pub const SW_WRONG_P1P2: [u8; 2] = [0x6B, 0x00];
pub const SW_INS: [u8; 2] = [0x6D, 0x00];
pub const SW_CLA: [u8; 2] = [0x6E, 0x00];

/// Bytes of a reader or card challenge, and of a MAC.
pub const CHALLENGE: usize = 16;

/// `SELECT` by AID (ISO 7816-4: CLA 00, INS A4, P1 04, P2 00).
pub fn select(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, INS_SELECT, 0x04, 0x00, aid.len() as u8];
    apdu.extend_from_slice(aid);
    apdu
}

pub fn get_id() -> Vec<u8> {
    vec![CLA, INS_GET_ID, 0x00, 0x00, 0x00]
}

pub fn authenticate(reader_challenge: &Block) -> Vec<u8> {
    let mut apdu = vec![CLA, INS_AUTHENTICATE, 0x00, 0x00, CHALLENGE as u8];
    apdu.extend_from_slice(reader_challenge);
    apdu.push((2 * CHALLENGE) as u8);
    apdu
}

/// The SAM's check of a card's answer.
pub fn verify(key_version: u8, uid: &[u8], rc: &Block, cc: &Block, mac: &Block) -> Vec<u8> {
    let mut body = vec![uid.len() as u8];
    body.extend_from_slice(uid);
    body.extend_from_slice(rc);
    body.extend_from_slice(cc);
    body.extend_from_slice(mac);
    let mut apdu = vec![CLA, INS_VERIFY, key_version, 0x00, body.len() as u8];
    apdu.extend(body);
    apdu
}

/// `M` for AN10922: UID ‖ card AID ‖ system identifier.
pub fn diversification_input(uid: &[u8]) -> Vec<u8> {
    let mut m = uid.to_vec();
    m.extend_from_slice(&CARD_AID);
    m.extend_from_slice(SYSTEM_ID);
    m
}

/// The MAC a card answers with: CMAC(card key, label ‖ UID ‖ RC ‖ CC).
pub fn auth_mac(card_key: &Key, uid: &[u8], rc: &Block, cc: &Block) -> Block {
    let mut data = AUTH_LABEL.to_vec();
    data.extend_from_slice(uid);
    data.extend_from_slice(rc);
    data.extend_from_slice(cc);
    crypto::cmac(card_key, &data)
}

/// A command APDU, parsed (short form only: that is all this protocol uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
}

impl<'a> Command<'a> {
    /// `None` for a command whose lengths do not add up.
    pub fn parse(apdu: &'a [u8]) -> Option<Command<'a>> {
        let (header, body) = apdu.split_at_checked(4)?;
        let data = match body.len() {
            0 | 1 => &[][..], // case 1, or case 2 (Le only)
            _ => {
                let lc = usize::from(body[0]);
                let rest = &body[1..];
                // case 3 (data) or case 4 (data + Le)
                if rest.len() == lc || rest.len() == lc + 1 {
                    &rest[..lc]
                } else {
                    return None;
                }
            }
        };
        Some(Command {
            cla: header[0],
            ins: header[1],
            p1: header[2],
            p2: header[3],
            data,
        })
    }
}

fn reply(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw);
    out
}

/// What answers APDUs: a card's applet or a SAM's.
pub trait Applet: Send {
    /// The answer to reset (ATR) the reader reports.
    fn atr(&self) -> Vec<u8>;
    /// Power on or reset: forget what was selected.
    fn reset(&mut self);
    /// Answers one command APDU (data ‖ SW1 SW2). `None` pulls the card out
    /// of the field (a test's way to remove it mid-transaction).
    fn process(&mut self, apdu: &[u8]) -> Option<Vec<u8>>;
}

/// A T=1 ATR with historical bytes "HQ".
const ATR: [u8; 9] = [0x3B, 0x82, 0x80, 0x01, 0x80, 0x01, b'H', b'Q', 0x5B];

/// The campus card's applet: its UID, its diversified key and key version.
#[derive(Debug, Clone)]
pub struct CardApplet {
    uid: Vec<u8>,
    key: Key,
    key_version: u8,
    selected: bool,
    next_challenge: [u8; CHALLENGE],
}

impl CardApplet {
    /// A card personalised with `key` (the diversified one: a card never
    /// holds the master key).
    pub fn new(uid: &[u8], key: Key, key_version: u8) -> Self {
        Self {
            uid: uid.to_vec(),
            key,
            key_version,
            selected: false,
            next_challenge: rand::random(),
        }
    }

    /// Personalises a card as the card office would: its key diversified from
    /// the master key of `key_version`.
    pub fn personalise(uid: &[u8], master: &Key, key_version: u8) -> Option<Self> {
        let key = crypto::diversify(master, &diversification_input(uid))?;
        Some(Self::new(uid, key, key_version))
    }

    pub fn uid(&self) -> &[u8] {
        &self.uid
    }
}

impl Applet for CardApplet {
    fn atr(&self) -> Vec<u8> {
        ATR.to_vec()
    }

    fn reset(&mut self) {
        self.selected = false;
    }

    fn process(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        let Some(cmd) = Command::parse(apdu) else {
            return Some(SW_WRONG_LENGTH.to_vec());
        };
        Some(match (cmd.cla, cmd.ins) {
            (0x00, INS_SELECT) => {
                if cmd.p1 != 0x04 {
                    SW_WRONG_P1P2.to_vec()
                } else if cmd.data == CARD_AID {
                    self.selected = true;
                    reply(&[1], SW_OK)
                } else {
                    self.selected = false;
                    SW_NOT_FOUND.to_vec()
                }
            }
            (CLA, _) if !self.selected => SW_NOT_ALLOWED.to_vec(),
            (CLA, INS_GET_ID) => {
                let mut data = self.uid.clone();
                data.push(self.key_version);
                reply(&data, SW_OK)
            }
            (CLA, INS_AUTHENTICATE) => {
                let Ok(rc) = <[u8; CHALLENGE]>::try_from(cmd.data) else {
                    return Some(SW_WRONG_LENGTH.to_vec());
                };
                let cc = self.next_challenge;
                self.next_challenge = rand::random();
                let mac = auth_mac(&self.key, &self.uid, &rc, &cc);
                let mut data = cc.to_vec();
                data.extend_from_slice(&mac);
                reply(&data, SW_OK)
            }
            (CLA, _) => SW_INS.to_vec(),
            _ => SW_CLA.to_vec(),
        })
    }
}

/// The SAM in the kiosk reader's second slot: it holds the master keys (by
/// version) and checks cards' MACs; no key ever leaves it.
#[derive(Debug, Clone)]
pub struct SamApplet {
    masters: Vec<(u8, Key)>,
    selected: bool,
}

impl SamApplet {
    pub fn new(masters: Vec<(u8, Key)>) -> Self {
        Self {
            masters,
            selected: false,
        }
    }
}

impl Applet for SamApplet {
    fn atr(&self) -> Vec<u8> {
        let mut atr = ATR.to_vec();
        atr[7] = b'S';
        atr
    }

    fn reset(&mut self) {
        self.selected = false;
    }

    fn process(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        let Some(cmd) = Command::parse(apdu) else {
            return Some(SW_WRONG_LENGTH.to_vec());
        };
        Some(match (cmd.cla, cmd.ins) {
            (0x00, INS_SELECT) if cmd.data == SAM_AID => {
                self.selected = true;
                SW_OK.to_vec()
            }
            (0x00, INS_SELECT) => SW_NOT_FOUND.to_vec(),
            (CLA, _) if !self.selected => SW_NOT_ALLOWED.to_vec(),
            (CLA, INS_VERIFY) => {
                let Some((&uid_len, rest)) = cmd.data.split_first() else {
                    return Some(SW_WRONG_LENGTH.to_vec());
                };
                let uid_len = usize::from(uid_len);
                if !(4..=10).contains(&uid_len) || rest.len() != uid_len + 3 * CHALLENGE {
                    return Some(SW_WRONG_LENGTH.to_vec());
                }
                let (uid, rest) = rest.split_at(uid_len);
                let (rc, rest) = rest.split_at(CHALLENGE);
                let (cc, mac) = rest.split_at(CHALLENGE);
                let Some(master) = self
                    .masters
                    .iter()
                    .find(|(v, _)| *v == cmd.p1)
                    .map(|(_, k)| *k)
                else {
                    return Some(SW_WRONG_P1P2.to_vec());
                };
                let Some(card_key) = crypto::diversify(&master, &diversification_input(uid)) else {
                    return Some(SW_WRONG_LENGTH.to_vec());
                };
                let (Ok(rc), Ok(cc)) = (<[u8; 16]>::try_from(rc), <[u8; 16]>::try_from(cc)) else {
                    return Some(SW_WRONG_LENGTH.to_vec());
                };
                let expected = auth_mac(&card_key, uid, &rc, &cc);
                if crypto::same(&expected, mac) {
                    SW_OK.to_vec()
                } else {
                    SW_SECURITY.to_vec()
                }
            }
            (CLA, _) => SW_INS.to_vec(),
            _ => SW_CLA.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: Key = [7; 16];
    const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

    fn ok(answer: Option<Vec<u8>>) -> Vec<u8> {
        let answer = answer.expect("an answer");
        assert_eq!(answer[answer.len() - 2..], SW_OK, "{answer:02X?}");
        answer[..answer.len() - 2].to_vec()
    }

    fn sw(answer: Option<Vec<u8>>) -> [u8; 2] {
        let answer = answer.expect("an answer");
        [answer[answer.len() - 2], answer[answer.len() - 1]]
    }

    #[test]
    fn a_card_and_a_sam_agree() {
        let mut card = CardApplet::personalise(&UID, &MASTER, 1).unwrap();
        let mut sam = SamApplet::new(vec![(1, MASTER), (2, [9; 16])]);
        ok(card.process(&select(&CARD_AID)));
        let id = ok(card.process(&get_id()));
        assert_eq!((&id[..7], id[7]), (&UID[..], 1));
        let rc = [0x5A; 16];
        let answer = ok(card.process(&authenticate(&rc)));
        assert_eq!(answer.len(), 32);
        let (cc, mac) = answer.split_at(16);
        let (cc, mac): ([u8; 16], [u8; 16]) = (cc.try_into().unwrap(), mac.try_into().unwrap());
        ok(sam.process(&select(&SAM_AID)));
        ok(sam.process(&verify(1, &UID, &rc, &cc, &mac)));
        // A wrong MAC, another UID, another key version: refused.
        let mut bad = mac;
        bad[0] ^= 1;
        assert_eq!(
            sw(sam.process(&verify(1, &UID, &rc, &cc, &bad))),
            SW_SECURITY
        );
        let other = [0x04, 0, 0, 0, 0, 0, 1];
        assert_eq!(
            sw(sam.process(&verify(1, &other, &rc, &cc, &mac))),
            SW_SECURITY
        );
        assert_eq!(
            sw(sam.process(&verify(2, &UID, &rc, &cc, &mac))),
            SW_SECURITY
        );
        assert_eq!(
            sw(sam.process(&verify(3, &UID, &rc, &cc, &mac))),
            SW_WRONG_P1P2
        );
        // Card challenges never repeat.
        let again = ok(card.process(&authenticate(&rc)));
        assert_ne!(&again[..16], &cc[..]);
    }

    #[test]
    fn the_card_refuses_what_it_does_not_know() {
        let mut card = CardApplet::personalise(&UID, &MASTER, 1).unwrap();
        assert_eq!(
            sw(card.process(&get_id())),
            SW_NOT_ALLOWED,
            "nothing selected"
        );
        assert_eq!(sw(card.process(&select(&SAM_AID))), SW_NOT_FOUND);
        ok(card.process(&select(&CARD_AID)));
        assert_eq!(sw(card.process(&[CLA, 0x42, 0, 0])), SW_INS);
        assert_eq!(sw(card.process(&[0xA0, INS_GET_ID, 0, 0, 0])), SW_CLA);
        assert_eq!(
            sw(card.process(&[CLA, INS_AUTHENTICATE, 0, 0, 3, 1, 2, 3])),
            SW_WRONG_LENGTH
        );
        assert_eq!(sw(card.process(&[CLA, INS_GET_ID, 0])), SW_WRONG_LENGTH);
        assert_eq!(
            sw(card.process(&[CLA, INS_GET_ID, 0, 0, 5, 1])),
            SW_WRONG_LENGTH
        );
        card.reset();
        assert_eq!(
            sw(card.process(&get_id())),
            SW_NOT_ALLOWED,
            "reset deselects"
        );
    }

    #[test]
    fn apdus_parse_in_all_four_cases() {
        let c = |b: &[u8]| Command::parse(b).map(|c| (c.ins, c.data.to_vec()));
        assert_eq!(c(&[0, 1, 2, 3]), Some((1, vec![])));
        assert_eq!(c(&[0, 1, 2, 3, 0x10]), Some((1, vec![])));
        assert_eq!(c(&[0, 1, 2, 3, 2, 9, 9]), Some((1, vec![9, 9])));
        assert_eq!(c(&[0, 1, 2, 3, 2, 9, 9, 0]), Some((1, vec![9, 9])));
        assert_eq!(c(&[0, 1, 2, 3, 2, 9]), None);
        assert_eq!(c(&[0, 1, 2]), None);
    }
}
