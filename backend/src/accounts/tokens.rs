//! Access tokens (HMAC-signed, short-lived) and refresh tokens (random, hashed at rest).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use houqin_shared::clock::Clock;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Db;
use crate::entities::server_secrets;

type HmacSha256 = Hmac<Sha256>;

/// The signing key, shared by every replica through the database.
pub struct TokenKeys {
    key: Vec<u8>,
}

/// What an access token says. Only its signature makes it believable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The session (revocable server-side; checked on every request).
    pub sid: Uuid,
    pub uid: Uuid,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

const KEY_NAME: &str = "access_token_key";

impl TokenKeys {
    pub fn from_key(key: Vec<u8>) -> Self {
        Self { key }
    }

    pub async fn load_or_create(db: &Db, clock: &dyn Clock) -> Result<TokenKeys, sea_orm::DbErr> {
        if let Some(row) = server_secrets::Entity::find_by_id(KEY_NAME.to_string())
            .one(&db.conn)
            .await?
        {
            return decode_key(&row.value);
        }
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let row = server_secrets::ActiveModel {
            name: Set(KEY_NAME.to_string()),
            value: Set(B64.encode(&key)),
            created_at: Set(clock.now()),
        };
        // Two replicas starting together may both try; the second insert fails and
        // then reads the first one's key.
        if row.insert(&db.conn).await.is_err()
            && let Some(row) = server_secrets::Entity::find_by_id(KEY_NAME.to_string())
                .one(&db.conn)
                .await?
        {
            return decode_key(&row.value);
        }
        Ok(TokenKeys { key })
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes any key length"),
        }
    }

    /// A key for event-stream tickets, derived so a ticket is never an access token.
    fn ticket_keys(&self) -> TokenKeys {
        let mut mac = self.mac();
        mac.update(b"houqin sse ticket v1");
        TokenKeys {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    /// A short-lived ticket for `GET /sync/events?ticket=…` (a browser's
    /// EventSource cannot send headers). It opens the event stream and nothing else.
    pub fn sign_ticket(&self, claims: &AccessClaims) -> String {
        self.ticket_keys().sign(claims)
    }

    pub fn verify_ticket(
        &self,
        ticket: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessClaims, TokenError> {
        self.ticket_keys().verify(ticket, now)
    }

    pub fn sign(&self, claims: &AccessClaims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let sig = B64.encode(mac.finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let (payload, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let sig = B64.decode(sig).map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let bytes = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let claims: AccessClaims =
            serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

fn decode_key(value: &str) -> Result<TokenKeys, sea_orm::DbErr> {
    B64.decode(value)
        .map(TokenKeys::from_key)
        .map_err(|e| sea_orm::DbErr::Custom(format!("stored signing key is not base64: {e}")))
}

/// A new refresh token for a session: `<session id>.<secret>`; only the secret's hash is kept.
pub fn new_refresh_token(session_id: Uuid) -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = B64.encode(secret);
    let hash = hash_secret(&secret);
    (format!("{session_id}.{secret}"), hash)
}

pub fn parse_refresh_token(token: &str) -> Option<(Uuid, &str)> {
    let (sid, secret) = token.split_once('.')?;
    Some((Uuid::parse_str(sid).ok()?, secret))
}

pub fn hash_secret(secret: &str) -> String {
    B64.encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison of two hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn epoch(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_verify_and_expire() {
        let keys = TokenKeys::from_key(vec![7; 32]);
        let claims = AccessClaims {
            sid: Uuid::now_v7(),
            uid: Uuid::now_v7(),
            exp: 1_000,
        };
        let token = keys.sign(&claims);
        assert_eq!(keys.verify(&token, epoch(999)), Ok(claims.clone()));
        assert_eq!(keys.verify(&token, epoch(1_000)), Err(TokenError::Expired));
        let other = TokenKeys::from_key(vec![8; 32]);
        assert_eq!(
            other.verify(&token, epoch(0)),
            Err(TokenError::BadSignature)
        );
        // A token whose payload was edited no longer matches its signature.
        let (_, sig) = token.split_once('.').unwrap();
        let forged_claims = AccessClaims {
            exp: 9_999_999,
            ..claims
        };
        let forged = format!(
            "{}.{sig}",
            B64.encode(serde_json::to_vec(&forged_claims).unwrap())
        );
        assert_eq!(
            keys.verify(&forged, epoch(0)),
            Err(TokenError::BadSignature)
        );
        assert_eq!(keys.verify("garbage", epoch(0)), Err(TokenError::Malformed));
    }

    #[test]
    fn tickets_and_access_tokens_are_not_interchangeable() {
        let keys = TokenKeys::from_key(vec![7; 32]);
        let claims = AccessClaims {
            sid: Uuid::now_v7(),
            uid: Uuid::now_v7(),
            exp: 1_000,
        };
        let ticket = keys.sign_ticket(&claims);
        assert_eq!(keys.verify_ticket(&ticket, epoch(0)), Ok(claims.clone()));
        assert_eq!(
            keys.verify(&ticket, epoch(0)),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            keys.verify_ticket(&keys.sign(&claims), epoch(0)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn refresh_tokens_carry_their_session() {
        let sid = Uuid::now_v7();
        let (token, hash) = new_refresh_token(sid);
        let (parsed, secret) = parse_refresh_token(&token).unwrap();
        assert_eq!(parsed, sid);
        assert!(same_hash(&hash_secret(secret), &hash));
        assert!(!same_hash(&hash_secret("other"), &hash));
    }
}
