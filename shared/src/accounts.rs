//! Accounts, roles, scopes and the authentication DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{SessionId, UserId};

/// What a person does on campus. One user has one or more roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Student,
    Staff,
    Technician,
    Supervisor,
    Cashier,
    Courier,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Student,
        Role::Staff,
        Role::Technician,
        Role::Supervisor,
        Role::Cashier,
        Role::Courier,
        Role::Manager,
        Role::Admin,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Staff => "staff",
            Role::Technician => "technician",
            Role::Supervisor => "supervisor",
            Role::Cashier => "cashier",
            Role::Courier => "courier",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What part of the campus a role applies to: a technician's zones, a
/// cashier's canteen, a manager's departments, a supervisor's canteen or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    Zone(uuid::Uuid),
    Canteen(uuid::Uuid),
    Department(uuid::Uuid),
    Station(uuid::Uuid),
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Zone(_) => "zone",
            Scope::Canteen(_) => "canteen",
            Scope::Department(_) => "department",
            Scope::Station(_) => "station",
        }
    }

    pub fn id(&self) -> uuid::Uuid {
        match *self {
            Scope::Zone(id) | Scope::Canteen(id) | Scope::Department(id) | Scope::Station(id) => id,
        }
    }

    pub fn from_parts(kind: &str, id: uuid::Uuid) -> Option<Scope> {
        Some(match kind {
            "zone" => Scope::Zone(id),
            "canteen" => Scope::Canteen(id),
            "department" => Scope::Department(id),
            "station" => Scope::Station(id),
            _ => return None,
        })
    }
}

/// The user's preferred UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const DEVICE_ID_MAX: usize = 128;
pub const DEVICE_KEY_MAX: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// A stable id of this install of the app; tokens are bound to it.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The device's public key (base64), for signed pay codes later.
    #[serde(default)]
    pub device_public_key: Option<String>,
}

impl LoginRequest {
    /// Shape rules; whether the password is right is the server's business.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.username.trim().is_empty() {
            return Err(FieldError::new("username", "required"));
        }
        if self.username.chars().count() > USERNAME_MAX {
            return Err(FieldError::new("username", "too long"));
        }
        if self.password.is_empty() {
            return Err(FieldError::new("password", "required"));
        }
        if self.password.chars().count() > PASSWORD_MAX {
            return Err(FieldError::new("password", "too long"));
        }
        if let Some(id) = &self.device_id
            && (id.is_empty() || id.len() > DEVICE_ID_MAX)
        {
            return Err(FieldError::new("device_id", "must be 1 to 128 characters"));
        }
        if let Some(key) = &self.device_public_key
            && (key.is_empty() || key.len() > DEVICE_KEY_MAX)
        {
            return Err(FieldError::new(
                "device_public_key",
                "must be 1 to 512 characters",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    /// Short-lived bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    /// Long-lived, revocable, single-use: each refresh returns a new one.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub session_id: SessionId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub session_id: SessionId,
    pub user: Me,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
    #[serde(default)]
    pub device_id: Option<String>,
}

/// The signed-in user as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
    pub lang: Lang,
    pub campus_id: crate::ids::CampusId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

impl ChangePasswordRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.current_password.is_empty() {
            return Err(FieldError::new("current_password", "required"));
        }
        validate_new_password("new_password", &self.new_password)?;
        if self.new_password == self.current_password {
            return Err(FieldError::new(
                "new_password",
                "must differ from the current password",
            ));
        }
        Ok(())
    }
}

/// A new password: long enough to resist guessing, short enough to hash quickly.
pub fn validate_new_password(field: &str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(FieldError::new(field, "must be at least 8 characters"));
    }
    if n > PASSWORD_MAX {
        return Err(FieldError::new(field, "must be at most 128 characters"));
    }
    Ok(())
}

/// Usernames: 3–64 of ASCII letters, digits, `.`, `_`, `-` (student numbers, staff ids).
pub fn validate_username(field: &str, username: &str) -> Result<(), FieldError> {
    let n = username.chars().count();
    if n < 3 {
        return Err(FieldError::new(field, "must be at least 3 characters"));
    }
    if n > USERNAME_MAX {
        return Err(FieldError::new(field, "must be at most 64 characters"));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(FieldError::new(
            field,
            "may contain only letters, digits, '.', '_' and '-'",
        ));
    }
    Ok(())
}

pub fn validate_display_name(field: &str, name: &str) -> Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(FieldError::new(field, "must be at most 64 characters"));
    }
    Ok(())
}

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    /// Made by the client (UUIDv7) so a retried create is recognised.
    #[serde(default)]
    pub id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

impl CreateUserRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_username("username", &self.username)?;
        validate_display_name("display_name", &self.display_name)?;
        validate_new_password("password", &self.password)?;
        if self.roles.is_empty() {
            return Err(FieldError::new("roles", "at least one role is required"));
        }
        if self.roles.len() > Role::ALL.len() {
            return Err(FieldError::new("roles", "too many roles"));
        }
        if self.scopes.len() > 64 {
            return Err(FieldError::new("scopes", "at most 64 scopes"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRolesRequest {
    pub roles: Vec<Role>,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

/// The outcome of a CSV import: rows that became users and rows that did not, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: u32,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRowError {
    /// 1-based line number in the CSV, the header being line 1.
    pub line: u32,
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetLangRequest {
    pub lang: Lang,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn username_rules() {
        assert!(validate_username("u", "s2026001").is_ok());
        assert_eq!(validate_username("u", "ab").unwrap_err().field, "u");
        assert!(validate_username("u", "有中文").is_err());
        assert!(validate_username("u", &"a".repeat(65)).is_err());
        assert!(validate_username("u", "a b").is_err());
    }

    #[test]
    fn login_requires_both_fields() {
        let mut req = LoginRequest {
            username: "student".into(),
            password: String::new(),
            device_id: None,
            device_public_key: None,
        };
        assert_eq!(req.validate().unwrap_err().field, "password");
        req.password = "demo".into();
        assert!(req.validate().is_ok());
        req.device_id = Some(String::new());
        assert_eq!(req.validate().unwrap_err().field, "device_id");
    }

    #[test]
    fn new_password_must_differ_and_be_long() {
        let req = ChangePasswordRequest {
            current_password: "x".into(),
            new_password: "short".into(),
        };
        assert_eq!(req.validate().unwrap_err().field, "new_password");
        let req = ChangePasswordRequest {
            current_password: "same-password".into(),
            new_password: "same-password".into(),
        };
        assert!(req.validate().is_err());
    }

    #[test]
    fn scopes_are_tagged() {
        let id = uuid::Uuid::nil();
        let json = serde_json::to_string(&Scope::Zone(id)).unwrap();
        assert_eq!(json, format!(r#"{{"kind":"zone","id":"{id}"}}"#));
        assert_eq!(Scope::from_parts("canteen", id), Some(Scope::Canteen(id)));
    }
}
