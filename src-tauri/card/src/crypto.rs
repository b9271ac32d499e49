//! AES-128 CMAC (NIST SP 800-38B, RFC 4493) and NXP AN10922 AES-128 key
//! diversification, on the `aes` block cipher alone.
//!
//! AN10922 is CMAC of `0x01 ‖ M` with one difference: the input is always
//! padded to 32 bytes (two blocks). Plain CMAC pads to the next 16, so for a
//! short `M` (under 15 bytes) the two disagree; [`diversify`] follows the note.

use aes::Aes128;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};

pub type Key = [u8; 16];
pub type Block = [u8; 16];

fn encrypt(cipher: &Aes128, block: &Block) -> Block {
    let mut b = GenericArray::clone_from_slice(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

/// Doubling in GF(2^128) for the CMAC subkeys.
fn double(block: &Block) -> Block {
    let mut out = [0u8; 16];
    let mut carry = 0u8;
    for i in (0..16).rev() {
        out[i] = (block[i] << 1) | carry;
        carry = block[i] >> 7;
    }
    if carry == 1 {
        out[15] ^= 0x87;
    }
    out
}

fn subkeys(cipher: &Aes128) -> (Block, Block) {
    let l = encrypt(cipher, &[0u8; 16]);
    let k1 = double(&l);
    let k2 = double(&k1);
    (k1, k2)
}

/// CBC-MAC over whole blocks with the last block XORed with `last_key`.
fn mac_blocks(cipher: &Aes128, blocks: &[u8], last_key: &Block) -> Block {
    let mut state = [0u8; 16];
    let n = blocks.len() / 16;
    for (i, chunk) in blocks.chunks_exact(16).enumerate() {
        for j in 0..16 {
            state[j] ^= chunk[j];
            if i + 1 == n {
                state[j] ^= last_key[j];
            }
        }
        state = encrypt(cipher, &state);
    }
    state
}

/// `data` padded with 0x80 0x00… to a multiple of 16 (at least `min_len`),
/// and whether padding was added.
fn pad(data: &[u8], min_len: usize) -> (Vec<u8>, bool) {
    let whole = !data.is_empty() && data.len().is_multiple_of(16) && data.len() >= min_len;
    if whole {
        return (data.to_vec(), false);
    }
    let mut out = data.to_vec();
    out.push(0x80);
    while !out.len().is_multiple_of(16) || out.len() < min_len {
        out.push(0);
    }
    (out, true)
}

/// AES-128 CMAC of `data` under `key`.
pub fn cmac(key: &Key, data: &[u8]) -> Block {
    let cipher = Aes128::new(GenericArray::from_slice(key));
    let (k1, k2) = subkeys(&cipher);
    let (blocks, padded) = pad(data, 16);
    mac_blocks(&cipher, &blocks, if padded { &k2 } else { &k1 })
}

/// The longest diversification input `M`: `0x01 ‖ M` fills two blocks.
pub const MAX_DIVERSIFICATION_INPUT: usize = 31;

/// NXP AN10922 AES-128 key diversification: the card's key from the master
/// key and `m` (UID ‖ AID ‖ system identifier, 1 to 31 bytes).
pub fn diversify(master: &Key, m: &[u8]) -> Option<Key> {
    if m.is_empty() || m.len() > MAX_DIVERSIFICATION_INPUT {
        return None;
    }
    let cipher = Aes128::new(GenericArray::from_slice(master));
    let (k1, k2) = subkeys(&cipher);
    let mut d = Vec::with_capacity(32);
    d.push(0x01);
    d.extend_from_slice(m);
    // Always two blocks: K1 when the input fills them, else padding and K2.
    let (blocks, padded) = pad(&d, 32);
    Some(mac_blocks(&cipher, &blocks, if padded { &k2 } else { &k1 }))
}

/// Equality that takes the same time wherever the inputs differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses hex (tests, configuration).
pub fn hex(text: &str) -> Option<Vec<u8>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        hex(text).unwrap().try_into().unwrap()
    }

    #[test]
    fn cmac_matches_rfc_4493() {
        let k = key("2b7e151628aed2a6abf7158809cf4f3c");
        let cases = [
            ("", "bb1d6929e95937287fa37d129b756746"),
            (
                "6bc1bee22e409f96e93d7e117393172a",
                "070a16b46b4d4144f79bdd9dd04a287c",
            ),
            (
                "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411",
                "dfa66747de9ae63030ca32611497c827",
            ),
            (
                "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                 30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                "51f0bebf7e3b9d92fc49741779363cfe",
            ),
        ];
        for (msg, mac) in cases {
            assert_eq!(
                cmac(&k, &hex(msg).unwrap()).to_vec(),
                hex(mac).unwrap(),
                "{msg}"
            );
        }
    }

    #[test]
    fn an10922_published_vector() {
        // NXP AN10922, AES-128: K, M = UID ‖ AID ‖ system identifier.
        let master = key("00112233445566778899AABBCCDDEEFF");
        let m = hex("04782E21801D803042F54E585020416275").unwrap();
        assert_eq!(
            diversify(&master, &m).unwrap().to_vec(),
            hex("A8DD63A3B89D54B37CA802473FDA9175").unwrap()
        );
    }

    #[test]
    fn short_inputs_pad_to_two_blocks_not_one() {
        let master = key("00112233445566778899AABBCCDDEEFF");
        let m = hex("04782E21801D80").unwrap(); // a 7-byte UID alone
        let mut one_block = vec![0x01];
        one_block.extend(&m);
        let derived = diversify(&master, &m).unwrap();
        assert_ne!(
            derived,
            cmac(&master, &one_block),
            "AN10922 is not plain CMAC here"
        );
        // What AN10922 specifies: 0x01 ‖ M ‖ 0x80 ‖ 0…, 32 bytes, last block XOR K2.
        let cipher = Aes128::new(GenericArray::from_slice(&master));
        let (_, k2) = subkeys(&cipher);
        let mut d = one_block.clone();
        d.push(0x80);
        d.resize(32, 0);
        assert_eq!(derived, mac_blocks(&cipher, &d, &k2));
        // Input lengths that fill the blocks exactly use K1, as CMAC would.
        let full = [0x42u8; 31];
        let mut whole = vec![0x01];
        whole.extend(full);
        assert_eq!(diversify(&master, &full).unwrap(), cmac(&master, &whole));
        assert_eq!(diversify(&master, &[]), None);
        assert_eq!(diversify(&master, &[0; 32]), None);
    }

    #[test]
    fn comparisons() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert_eq!(hex("0a FF"), Some(vec![0x0a, 0xff]));
        assert_eq!(hex("0"), None);
        assert_eq!(hex("zz"), None);
    }
}
