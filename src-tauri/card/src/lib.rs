//! The campus card at the kiosk (DESIGN.md, "Payments: the contract";
//! `docs/card-protocol.md`): the card proves who pays by challenge-response
//! with a key diversified per card (NXP AN10922) from a master key that only
//! the SAM holds.
//!
//! - `crypto`: AES-128 CMAC and AN10922 diversification.
//! - `applet`: the ISO 7816-4 protocol, and the card's and SAM's applets.
//! - `reader`: the kiosk over PC/SC: wait, select, read, challenge, verify.
//! - `vpcd`: a virtual card for the vsmartcard vpcd driver, for tests and demos.

pub mod applet;
pub mod crypto;
pub mod reader;
pub mod vpcd;

pub use reader::{CardError, CardRead, Kiosk};
