//! Names that exist in both UI languages.

use serde::{Deserialize, Serialize};

/// A name in Simplified Chinese and English; the UI picks one by the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalName {
    pub zh: String,
    pub en: String,
}

impl LocalName {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The name in `lang` (`"en"` or anything else for Chinese, the default).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") && !self.en.is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }
}
