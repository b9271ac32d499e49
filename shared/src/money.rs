//! Money is integer fen (分). Never a float.

use serde::{Deserialize, Serialize};

/// An amount in fen (1 yuan = 100 fen). Signed so that refunds and
/// corrections can be expressed; ledger rules decide where negatives are allowed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn fen(fen: i64) -> Self {
        Self(fen)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Reads an amount of yuan as people type it (`12`, `12.5`, `12.50`,
    /// `¥12.50`, `０.５` from a Chinese keyboard): positive, at most two
    /// decimals, at most ¥1,000,000.
    pub fn parse_yuan(text: &str) -> Result<Money, crate::error::FieldError> {
        let bad =
            || crate::error::FieldError::new("amount", "must be an amount in yuan, like 12.50");
        let normal: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' | '。' => '.',
                other => other,
            })
            .collect();
        let (whole, frac) = normal.split_once('.').unwrap_or((&normal, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || whole.len() > 7
        {
            return Err(bad());
        }
        let yuan: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut fen: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        if frac.len() == 1 {
            fen *= 10;
        }
        let total = yuan * 100 + fen;
        if total <= 0 || total > 100_000_000 {
            return Err(bad());
        }
        Ok(Money(total))
    }
}

impl std::fmt::Display for Money {
    /// `¥12.50`, `-¥0.05`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_yuan_with_two_decimals() {
        assert_eq!(Money(1250).to_string(), "¥12.50");
        assert_eq!(Money(5).to_string(), "¥0.05");
        assert_eq!(Money(-5).to_string(), "-¥0.05");
        assert_eq!(Money(i64::MIN).to_string(), "-¥92233720368547758.08");
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
    }

    #[test]
    fn parses_yuan_as_typed() {
        for (text, fen) in [
            ("12", 1200),
            ("12.5", 1250),
            ("12.50", 1250),
            (" ¥0.05 ", 5),
            ("￥3", 300),
            (".5", 50),
            ("１２．５", 1250),
            ("1000000", 100_000_000),
        ] {
            assert_eq!(Money::parse_yuan(text), Ok(Money(fen)), "{text}");
        }
        for text in [
            "", "0", "0.00", "-1", "1.234", "abc", "1,000", "1.2.3", ".", "10000000", "1e3",
        ] {
            assert_eq!(
                Money::parse_yuan(text).unwrap_err().field,
                "amount",
                "{text}"
            );
        }
    }
}
