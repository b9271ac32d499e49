//! Attachments (photos): content-addressed by their SHA-256, uploaded in
//! chunks that resume where the server's copy ends.
//!
//! A command names its photos by hash; the engine uploads every photo before
//! it pushes the commands that name them, and a handler refuses a hash whose
//! upload is not complete. The same bytes are stored once per campus.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::FieldError;

/// The largest attachment accepted: a phone photo, already compressed.
pub const MAX_ATTACHMENT_BYTES: u64 = 8 * 1024 * 1024;
/// The largest chunk the server accepts in one request.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// The chunk size the engine sends: small enough to get through a weak signal.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The lowercase hex SHA-256 of an attachment's bytes: its name everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct ContentHash(String);

impl ContentHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Self(hex)
    }

    /// Accepts 64 hex digits (either case; kept lowercase).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(FieldError::new(
                "sha256",
                "must be the 64 hex digits of a SHA-256",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl TryFrom<String> for ContentHash {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl From<ContentHash> for String {
    fn from(h: ContentHash) -> String {
        h.0
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The image formats accepted, recognised by their first bytes (never by a
/// name or a declared type alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ImageType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
}

impl ImageType {
    /// What the bytes are, if they are one of the accepted formats.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }
}

/// `POST /attachments`: "I am about to upload these bytes". Idempotent: the
/// answer says how much of them the server already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclareAttachment {
    pub sha256: ContentHash,
    /// Bytes, at most [`MAX_ATTACHMENT_BYTES`].
    pub size: u64,
    pub mime: ImageType,
}

impl DeclareAttachment {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.size == 0 {
            return Err(FieldError::new("size", "must not be empty"));
        }
        if self.size > MAX_ATTACHMENT_BYTES {
            return Err(FieldError::new(
                "size",
                format!(
                    "must be at most {} MiB",
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(())
    }
}

/// Where an upload stands on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentStatus {
    pub sha256: ContentHash,
    pub size: u64,
    pub mime: ImageType,
    /// Bytes the server holds, from the start: the next chunk's offset.
    pub received: u64,
    /// Every byte arrived and matched the hash and the image type.
    pub complete: bool,
}

/// Checks bytes about to be queued for upload: not empty, not too large, an
/// accepted image. Answers their type.
pub fn check_image(bytes: &[u8]) -> Result<ImageType, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("photo", "is empty"));
    }
    if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::new(
            "photo",
            format!(
                "must be at most {} MiB",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    ImageType::sniff(bytes)
        .ok_or_else(|| FieldError::new("photo", "must be a JPEG, PNG or WebP image"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes() {
        // FIPS 180-2 test vector.
        assert_eq!(
            ContentHash::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(ContentHash::parse(upper), Ok(ContentHash::of(b"abc")));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(65)] {
            assert_eq!(
                ContentHash::parse(bad).unwrap_err().field,
                "sha256",
                "{bad}"
            );
        }
        let json = serde_json::to_string(&ContentHash::of(b"abc")).unwrap();
        assert_eq!(json.len(), 66);
        assert!(serde_json::from_str::<ContentHash>("\"xyz\"").is_err());
    }

    #[test]
    fn images_are_known_by_their_bytes() {
        let table: [(&[u8], Option<ImageType>); 7] = [
            (b"\xff\xd8\xff\xe0\0\x10JFIF", Some(ImageType::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(ImageType::Png)),
            (b"RIFF\x24\0\0\0WEBPVP8 ", Some(ImageType::Webp)),
            (b"RIFF\x24\0\0\0WAVEfmt ", None),
            (b"GIF89a", None),
            (b"%PDF-1.7", None),
            (b"", None),
        ];
        for (bytes, expected) in table {
            assert_eq!(ImageType::sniff(bytes), expected, "{bytes:?}");
        }
        for t in [ImageType::Jpeg, ImageType::Png, ImageType::Webp] {
            assert_eq!(ImageType::from_mime(t.mime()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.mime())
            );
        }
        assert_eq!(ImageType::from_mime("image/gif"), None);
    }

    #[test]
    fn declarations_and_photos_are_checked() {
        let declare = |size| DeclareAttachment {
            sha256: ContentHash::of(b"x"),
            size,
            mime: ImageType::Png,
        };
        assert!(declare(1).validate().is_ok());
        assert!(declare(MAX_ATTACHMENT_BYTES).validate().is_ok());
        assert_eq!(declare(0).validate().unwrap_err().field, "size");
        assert_eq!(
            declare(MAX_ATTACHMENT_BYTES + 1)
                .validate()
                .unwrap_err()
                .field,
            "size"
        );

        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(check_image(png), Ok(ImageType::Png));
        assert_eq!(check_image(b"").unwrap_err().field, "photo");
        assert_eq!(check_image(b"hello").unwrap_err().field, "photo");
        let mut big = png.to_vec();
        big.resize(usize::try_from(MAX_ATTACHMENT_BYTES).unwrap() + 1, 0);
        assert!(check_image(&big).unwrap_err().message.contains("MiB"));
    }
}
