//! One `Config`, loaded once at start-up. Secrets are redacted in `Debug`.

use std::path::PathBuf;

use chrono::Duration;

/// Login throttling: per account and per client address.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failed logins for one username within `window` before it is locked.
    pub max_failures_per_account: u32,
    /// Failed logins from one address within `window` before it is locked.
    pub max_failures_per_address: u32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_address: 50,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// The built web app served at `/`; `None` serves the API only.
    pub static_dir: Option<PathBuf>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub login_limits: LoginLimits,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Anonymous repair reports (from an asset's public tag page) one
    /// client address may send per hour.
    pub public_reports_per_hour: usize,
}

impl Config {
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            static_dir: None,
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(30),
            login_limits: LoginLimits::default(),
            body_limit: 2 * 1024 * 1024,
            public_reports_per_hour: 10,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("static_dir", &self.static_dir)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("login_limits", &self.login_limits)
            .field("body_limit", &self.body_limit)
            .field("public_reports_per_hour", &self.public_reports_per_hour)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact_url("sqlite://x.db?mode=rwc"),
            "sqlite://x.db?mode=rwc"
        );
        let debug = format!("{:?}", Config::new("postgres://u:pw@h/db"));
        assert!(!debug.contains("pw"), "{debug}");
    }
}
