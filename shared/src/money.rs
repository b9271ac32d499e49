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
}
