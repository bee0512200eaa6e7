//! The Redis cache adapter (feature `redis`): Azure Managed Redis in Azure (TLS, port 10000,
//! Entra ID tokens of the app's identity as the password, with the feature `cosmos` that
//! brings `azure_identity`), any Redis locally (`redis://127.0.0.1:6379/`).
//!
//! Every call has a short deadline and a failed connection is dropped and made again on the
//! next call: the runtime reads the store whenever the cache does not answer.

use super::{Cache, CacheError, CacheFuture, decode, encode};
use crate::store::Stored;
use redis::aio::MultiplexedConnection;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long one cache call may take before the store is read instead.
pub const DEADLINE: Duration = Duration::from_millis(250);

enum Auth {
    /// Whatever the URL carries.
    Url,
    /// An Entra ID token for `https://redis.azure.com/.default`; the user name is the
    /// token's object id.
    #[cfg(feature = "cosmos")]
    Entra(std::sync::Arc<dyn azure_core::credentials::TokenCredential>),
}

/// A Redis-backed [`Cache`].
pub struct RedisCache {
    url: String,
    auth: Auth,
    conn: Mutex<Option<(MultiplexedConnection, Option<Instant>)>>,
}

fn err(e: impl std::fmt::Display) -> CacheError {
    CacheError(format!("redis: {e}"))
}

impl RedisCache {
    /// A cache at `url` (`redis://host:port/`, `rediss://...` for TLS). Nothing is connected
    /// until the first call.
    pub fn from_url(url: &str) -> Result<RedisCache, CacheError> {
        redis::Client::open(url).map_err(err)?;
        Ok(RedisCache {
            url: url.to_string(),
            auth: Auth::Url,
            conn: Mutex::new(None),
        })
    }

    /// The cache at `CACHE__endpoint` (`host:port`): TLS with Entra ID authentication by the
    /// app's identity. Needs the `cosmos` feature too (the credential and TLS provider come
    /// with it); without it only `redis://` URLs ([`RedisCache::from_url`]) work.
    pub async fn from_endpoint(endpoint: &str) -> Result<RedisCache, CacheError> {
        let url = format!("rediss://{endpoint}/");
        #[cfg(feature = "cosmos")]
        {
            let credential = crate::store::cosmos::credential().map_err(err)?;
            redis::Client::open(url.as_str()).map_err(err)?;
            Ok(RedisCache {
                url,
                auth: Auth::Entra(credential),
                conn: Mutex::new(None),
            })
        }
        #[cfg(not(feature = "cosmos"))]
        {
            Err(err(format!(
                "{url}: Azure Managed Redis needs Entra ID and TLS, which come with the `cosmos` feature"
            )))
        }
    }

    async fn connect(&self) -> Result<(MultiplexedConnection, Option<Instant>), CacheError> {
        #[cfg_attr(not(feature = "cosmos"), allow(unused_mut))]
        let mut info = redis::IntoConnectionInfo::into_connection_info(self.url.as_str()).map_err(err)?;
        #[cfg_attr(not(feature = "cosmos"), allow(unused_mut))]
        let mut renew = None;
        match &self.auth {
            Auth::Url => {}
            #[cfg(feature = "cosmos")]
            Auth::Entra(credential) => {
                let token = credential
                    .get_token(&["https://redis.azure.com/.default"], None)
                    .await
                    .map_err(err)?;
                let secret = token.token.secret().to_string();
                let user = object_id(&secret).ok_or_else(|| err("the token has no oid claim"))?;
                let settings = info.redis_settings().clone().set_username(user).set_password(secret);
                info = info.set_redis_settings(settings);
                // Renew well before the token expires (tokens live about an hour).
                renew = Some(Instant::now() + Duration::from_secs(40 * 60));
            }
        }
        let client = redis::Client::open(info).map_err(err)?;
        let conn = tokio::time::timeout(DEADLINE * 4, client.get_multiplexed_async_connection())
            .await
            .map_err(|_| err("connecting timed out"))?
            .map_err(err)?;
        Ok((conn, renew))
    }

    async fn connection(&self) -> Result<MultiplexedConnection, CacheError> {
        let mut slot = self.conn.lock().await;
        if let Some((c, renew)) = slot.as_ref()
            && renew.is_none_or(|t| Instant::now() < t)
        {
            return Ok(c.clone());
        }
        let (c, renew) = self.connect().await?;
        *slot = Some((c.clone(), renew));
        Ok(c)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, CacheError> {
        let mut conn = self.connection().await?;
        let out = tokio::time::timeout(DEADLINE, cmd.query_async::<T>(&mut conn)).await;
        match out {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                *self.conn.lock().await = None;
                Err(err(e))
            }
            Err(_) => {
                *self.conn.lock().await = None;
                Err(err("timed out"))
            }
        }
    }
}

/// The `oid` claim of a JWT (no signature check: the token came from the identity endpoint).
#[cfg(feature = "cosmos")]
fn object_id(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = crate::http::unbase64url(payload.trim_end_matches('='))?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("oid")?.as_str().map(String::from)
}

impl Cache for RedisCache {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<Stored>> {
        Box::pin(async move {
            let text: Option<String> = self.run(redis::cmd("GET").arg(key).clone()).await?;
            Ok(text.as_deref().and_then(decode))
        })
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a Stored, ttl_ms: i64) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let ttl = ttl_ms.max(1);
            self.run::<()>(redis::cmd("SET").arg(key).arg(encode(value)).arg("PX").arg(ttl).clone())
                .await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> CacheFuture<'a, ()> {
        Box::pin(async move { self.run::<()>(redis::cmd("DEL").arg(key).clone()).await })
    }
}
