//! The QR pay code: what a phone shows so a kiosk can charge its owner.
//!
//! At login the device sends the public half of an Ed25519 key it made
//! (`LoginRequest::device_public_key`, base64); the server keeps it with the
//! session. The code is `HQ1:<session id>:<unix seconds>:<nonce>:<signature>`,
//! the signature (base64url, no padding) over `HQ1|<session>|<seconds>|<nonce>`
//! made with the private half, which never leaves the device. The phone makes
//! a new code every [`ROTATE_SECS`]; a kiosk accepts one whose time is within
//! [`FRESH_SECS`] of the server's clock, once.

pub use ed25519_dalek::SigningKey;
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use uuid::Uuid;

use crate::error::FieldError;
use crate::ids::SessionId;

pub const PREFIX: &str = "HQ1";
/// The phone shows a new code this often.
pub const ROTATE_SECS: i64 = 30;
/// A code is accepted this long either side of the server's clock: one
/// rotation plus 30 s for the clocks of phone and server to differ.
pub const FRESH_SECS: i64 = 60;
/// The longest code a scanner may type.
pub const MAX_CODE_LEN: usize = 200;

/// The signed part of a pay code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayCode {
    pub session: SessionId,
    /// Unix seconds by the phone's clock when the code was made.
    pub at: i64,
    pub nonce: u32,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn unb64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64.iter().position(|x| *x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl PayCode {
    fn message(&self) -> String {
        format!("{PREFIX}|{}|{}|{}", self.session, self.at, self.nonce)
    }

    /// The code to show: signed with the device's private key.
    pub fn sign(&self, key: &SigningKey) -> String {
        let sig = key.sign(self.message().as_bytes());
        format!(
            "{PREFIX}:{}:{}:{}:{}",
            self.session.0.simple(),
            self.at,
            self.nonce,
            b64url(&sig.to_bytes())
        )
    }

    /// Reads a scanned code; the signature is checked by [`PayCode::verify`].
    pub fn parse(code: &str) -> Result<(PayCode, Signature), FieldError> {
        let bad = || FieldError::new("payer.code", "is not a Houqin pay code");
        if code.len() > MAX_CODE_LEN {
            return Err(bad());
        }
        let parts: Vec<&str> = code.trim().split(':').collect();
        let [prefix, session, at, nonce, sig] = parts.as_slice() else {
            return Err(bad());
        };
        if *prefix != PREFIX {
            return Err(bad());
        }
        let session = Uuid::try_parse(session).map_err(|_| bad())?;
        let at: i64 = at.parse().map_err(|_| bad())?;
        let nonce: u32 = nonce.parse().map_err(|_| bad())?;
        let sig: [u8; 64] = unb64url(sig)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        Ok((
            PayCode {
                session: SessionId(session),
                at,
                nonce,
            },
            Signature::from_bytes(&sig),
        ))
    }

    /// Whether `sig` is this code's signature by the holder of `public_key`
    /// (the base64url or standard-base64 text the device sent at login).
    pub fn verify(&self, sig: &Signature, public_key: &str) -> bool {
        let Some(key) = decode_public_key(public_key) else {
            return false;
        };
        key.verify(self.message().as_bytes(), sig).is_ok()
    }

    /// Whether the code's time is within [`FRESH_SECS`] of `now` (unix seconds).
    pub fn fresh(&self, now: i64) -> bool {
        (now - self.at).abs() <= FRESH_SECS
    }
}

/// The public half of a device key as sent at login: 32 bytes in base64url.
pub fn encode_public_key(key: &SigningKey) -> String {
    b64url(key.verifying_key().as_bytes())
}

pub fn decode_public_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unb64url(text.trim_end_matches('='))?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// A device key from 32 secret bytes (made by the device's random source).
pub fn signing_key(secret: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(secret)
}

pub fn encode_secret(key: &SigningKey) -> String {
    b64url(&key.to_bytes())
}

pub fn decode_secret(text: &str) -> Option<SigningKey> {
    let bytes: [u8; 32] = unb64url(text)?.try_into().ok()?;
    Some(SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        signing_key(&[seed; 32])
    }

    #[test]
    fn base64url_round_trips() {
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(unb64url(&b64url(&bytes)), Some(bytes), "{len}");
        }
        assert_eq!(b64url(b"\xfb\xff"), "-_8");
        assert_eq!(unb64url("a*b"), None);
    }

    #[test]
    fn codes_sign_parse_and_verify() {
        let k = key(7);
        let public = encode_public_key(&k);
        let code = PayCode {
            session: SessionId(Uuid::now_v7()),
            at: 1_790_000_000,
            nonce: 42,
        };
        let text = code.sign(&k);
        assert!(text.len() < MAX_CODE_LEN, "{text}");
        let (parsed, sig) = PayCode::parse(&text).unwrap();
        assert_eq!(parsed, code);
        assert!(parsed.verify(&sig, &public));
        // Another device's key, or any field changed: not valid.
        assert!(!parsed.verify(&sig, &encode_public_key(&key(8))));
        let moved = PayCode {
            at: code.at + 1,
            ..code
        };
        assert!(!moved.verify(&sig, &public));
        assert!(!parsed.verify(&sig, "not a key"));
        // Freshness, either side.
        assert!(code.fresh(code.at + FRESH_SECS));
        assert!(code.fresh(code.at - FRESH_SECS));
        assert!(!code.fresh(code.at + FRESH_SECS + 1));
        // Secrets round-trip.
        let again = decode_secret(&encode_secret(&k)).unwrap();
        assert_eq!(encode_public_key(&again), public);
    }

    #[test]
    fn garbage_is_refused_by_field() {
        for bad in [
            "",
            "HQ1:x",
            "HQ2:0190a1b2000070008000000000000001:1:1:AAAA",
            "HQ1:nope:1:1:AAAA",
            "HQ1:0190a1b2000070008000000000000001:soon:1:AAAA",
            "HQ1:0190a1b2000070008000000000000001:1:1:AAAA",
            &"H".repeat(MAX_CODE_LEN + 1),
        ] {
            assert_eq!(
                PayCode::parse(bad).unwrap_err().field,
                "payer.code",
                "{bad}"
            );
        }
    }
}
