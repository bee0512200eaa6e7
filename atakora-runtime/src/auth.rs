//! Who is calling: Entra ID bearer tokens (RS256 JWTs) checked against the issuer's key set.
//!
//! Configured from the environment ([`AuthConfig::from_env`]): the issuer, the audience and
//! where the key set is. Keys are fetched once, cached, and fetched again when a token names a
//! key id the cache does not hold (the issuer rotated its keys) — at most once per
//! [`Authenticator::refetch_interval`], so a stream of tokens with made-up key ids cannot make
//! the server hammer the issuer.

use crate::problem::Problem;
use atakora_core::spec::AuthSpec;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The token issuer (`iss`): `https://login.microsoftonline.com/<tenant>/v2.0` in Azure. Setting
/// it turns authentication on.
pub const ISSUER: &str = atakora_core::contract::settings::AUTH_ISSUER;
/// The accepted audiences (`aud`), comma-separated: the API's application ID URI and/or its
/// application (client) id.
pub const AUDIENCE: &str = atakora_core::contract::settings::AUTH_AUDIENCE;
/// Where the key set is: an `http(s)://` URL or a file path. Default: the `jwks_uri` of the
/// issuer's OpenID discovery document.
pub const JWKS: &str = atakora_core::contract::settings::AUTH_JWKS;

/// Seconds of clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 60;

/// The least time between two fetches of the key set for unknown key ids.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS document on disk (local runs and tests).
    File(PathBuf),
    /// A JWKS document at a URL.
    Url(String),
    /// The `jwks_uri` of this OpenID discovery document.
    Discovery(String),
}

/// The token rules of one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The exact `iss` tokens must carry.
    pub issuer: String,
    /// The `aud` values accepted (one of them must match).
    pub audiences: Vec<String>,
    /// The key set.
    pub keys: KeySource,
}

impl AuthConfig {
    /// The configuration `env` gives for a backend whose `auth` is `spec`. `deployed`: the
    /// process runs in Azure. `Ok(None)`: requests are not authenticated — locally without
    /// [`ISSUER`], or for `auth = "anonymous"`. A deployed backend that requires tokens and has
    /// no issuer is an error: it must not start open to everyone.
    pub fn from_env(
        spec: &AuthSpec,
        deployed: bool,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<AuthConfig>, String> {
        let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        if !spec.is_required() {
            return Ok(None);
        }
        let Some(issuer) = get(ISSUER) else {
            if deployed {
                return Err(format!(
                    "refusing to start: this backend requires Entra ID tokens but {ISSUER} is not set \
                     (the template sets it with {AUDIENCE}); set both, or declare `auth = \"anonymous\"`"
                ));
            }
            return Ok(None);
        };
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(format!("{ISSUER}=`{issuer}`: expected an https:// issuer URL"));
        }
        let audiences: Vec<String> = get(AUDIENCE)
            .or_else(|| spec.audience().map(str::to_string))
            .map(|a| {
                a.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if audiences.is_empty() {
            return Err(format!(
                "{ISSUER} is set but {AUDIENCE} is not: set the API's application ID URI or client id"
            ));
        }
        let keys = match get(JWKS) {
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => KeySource::Url(u),
            Some(p) => KeySource::File(PathBuf::from(p)),
            None => KeySource::Discovery(format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )),
        };
        Ok(Some(AuthConfig {
            issuer,
            audiences,
            keys,
        }))
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `oid`: the caller's object id in their tenant (user or service principal).
    pub oid: String,
    /// `tid`: the caller's tenant.
    pub tid: Option<String>,
    /// `roles`: the app roles the caller was granted.
    pub roles: Vec<String>,
}

impl Caller {
    /// Whether the caller holds app role `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Why a request is not authenticated: a 401 whose problem says why, never echoing the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unauthenticated {
    /// The reason, for the problem's `detail`.
    pub reason: String,
    /// No credentials at all (the challenge then carries no error, RFC 6750 §3.1).
    pub missing: bool,
}

impl Unauthenticated {
    /// The problem details of the 401.
    pub fn problem(&self) -> Problem {
        let mut p = Problem::new(401, "unauthorized", "Authentication required", self.reason.clone());
        p.errors.push(crate::problem::FieldProblem {
            location: crate::problem::Location::Header,
            path: "authorization".into(),
            message: self.reason.clone(),
        });
        p
    }

    /// The `WWW-Authenticate` challenge (RFC 6750).
    pub fn challenge(&self) -> String {
        if self.missing {
            return "Bearer".to_string();
        }
        let description: String = self
            .reason
            .chars()
            .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
            .collect();
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
    }
}

/// The 403 of a valid token without the operation's app role.
pub fn forbidden_role(role: &str, operation: &str) -> Problem {
    Problem::new(
        403,
        "forbidden",
        "The caller lacks a required role",
        format!("`{operation}` requires the app role `{role}`, which the token's `roles` claim does not hold"),
    )
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    oid: Option<String>,
    tid: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

/// Checks bearer tokens against one [`AuthConfig`].
pub struct Authenticator {
    config: AuthConfig,
    keys: tokio::sync::RwLock<Keys>,
    /// Serializes fetches, so concurrent requests with a new key id fetch once.
    fetching: tokio::sync::Mutex<()>,
    /// The least time between two fetches triggered by unknown key ids.
    pub refetch_interval: Duration,
    fetches: std::sync::atomic::AtomicU64,
}

impl Authenticator {
    /// An authenticator for `config`; keys are fetched on the first token (or by [`Self::load`]).
    pub fn new(config: AuthConfig) -> Authenticator {
        Authenticator {
            config,
            keys: Default::default(),
            fetching: Default::default(),
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            fetches: Default::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// How many times the key set was fetched.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Fetch the key set now (at start-up: a wrong key set location is reported at once).
    pub async fn load(&self) -> Result<usize, String> {
        let _one = self.fetching.lock().await;
        self.fetch().await
    }

    async fn fetch(&self) -> Result<usize, String> {
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let text = match &self.config.keys {
            KeySource::File(p) => {
                std::fs::read_to_string(p).map_err(|e| format!("cannot read the key set {}: {e}", p.display()))?
            }
            KeySource::Url(u) => fetch::get(u).await?,
            KeySource::Discovery(u) => {
                let doc: serde_json::Value = serde_json::from_str(&fetch::get(u).await?)
                    .map_err(|e| format!("the OpenID discovery document {u} is not JSON: {e}"))?;
                let jwks = doc
                    .get("jwks_uri")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| format!("the OpenID discovery document {u} has no `jwks_uri`"))?;
                fetch::get(jwks).await?
            }
        };
        let set: JwkSet =
            serde_json::from_str(&text).map_err(|e| format!("the key set is not a JWKS document: {e}"))?;
        let mut by_kid = HashMap::new();
        for k in set.keys {
            // Only RSA signing keys for RS256 count; anything else in the set is ignored.
            let rsa_sig = k.kty == "RSA"
                && k.usage.as_deref().is_none_or(|u| u == "sig")
                && k.alg.as_deref().is_none_or(|a| a == "RS256");
            if let (true, Some(kid), Some(n), Some(e)) = (rsa_sig, k.kid, k.n, k.e)
                && let Ok(key) = DecodingKey::from_rsa_components(&n, &e)
            {
                by_kid.insert(kid, key);
            }
        }
        let count = by_kid.len();
        let mut keys = self.keys.write().await;
        *keys = Keys {
            by_kid,
            fetched_at: Some(Instant::now()),
        };
        Ok(count)
    }

    /// The key `kid`, fetching the set again when it is unknown and the last fetch is older
    /// than the refetch interval.
    async fn key(&self, kid: &str) -> Result<Option<DecodingKey>, String> {
        if let Some(k) = self.keys.read().await.by_kid.get(kid) {
            return Ok(Some(k.clone()));
        }
        let _one = self.fetching.lock().await;
        let keys = self.keys.read().await;
        if let Some(k) = keys.by_kid.get(kid) {
            return Ok(Some(k.clone()));
        }
        let recent = keys.fetched_at.is_some_and(|t| t.elapsed() < self.refetch_interval);
        drop(keys);
        if recent {
            return Ok(None);
        }
        self.fetch().await?;
        Ok(self.keys.read().await.by_kid.get(kid).cloned())
    }

    /// The caller a request's `Authorization` header proves, or why it proves none.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, Unauthenticated> {
        let no = |m: &str| {
            Err(Unauthenticated {
                reason: m.to_string(),
                missing: false,
            })
        };
        let Some(value) = authorization else {
            return Err(Unauthenticated {
                reason: "no bearer token: send `Authorization: Bearer <access token>`".into(),
                missing: true,
            });
        };
        let Some(token) = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
        else {
            return no("the Authorization header is not `Bearer <access token>`");
        };
        let header = token
            .split('.')
            .next()
            .and_then(crate::http::unbase64url)
            .and_then(|b| serde_json::from_slice::<Header>(&b).ok());
        let Some(header) = header.filter(|_| token.split('.').count() == 3) else {
            return no("the bearer token is not a JWT");
        };
        match header.alg.as_deref() {
            Some("RS256") => {}
            Some(alg) => return no(&format!("the token is signed with `{alg}`; only RS256 is accepted")),
            None => return no("the token header names no algorithm; only RS256 is accepted"),
        }
        let Some(kid) = header.kid else {
            return no("the token header names no key (`kid`)");
        };
        let key = match self.key(&kid).await {
            Ok(Some(k)) => k,
            Ok(None) => {
                return no(&format!(
                    "the token is signed with key `{kid}`, which is not in the issuer's key set"
                ));
            }
            Err(e) => {
                tracing::error!("the key set cannot be fetched: {e}");
                return no("the issuer's key set cannot be fetched: the token cannot be checked");
            }
        };
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = LEEWAY_SECONDS;
        v.validate_nbf = true;
        v.set_issuer(&[&self.config.issuer]);
        v.set_audience(&self.config.audiences);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = match jsonwebtoken::decode::<Claims>(token, &key, &v) {
            Ok(d) => d.claims,
            Err(e) => {
                use jsonwebtoken::errors::ErrorKind as K;
                let why = match e.kind() {
                    K::ExpiredSignature => "the token has expired".to_string(),
                    K::ImmatureSignature => "the token is not valid yet (`nbf`)".to_string(),
                    K::InvalidAudience => format!(
                        "the token is for another audience (expected {})",
                        self.config.audiences.join(" or ")
                    ),
                    K::InvalidIssuer => format!("the token is from another issuer (expected {})", self.config.issuer),
                    K::InvalidSignature => "the token's signature does not verify".to_string(),
                    K::MissingRequiredClaim(c) => format!("the token has no `{c}` claim"),
                    _ => "the token is malformed".to_string(),
                };
                return no(&why);
            }
        };
        let Some(oid) = claims.oid.filter(|o| !o.is_empty()) else {
            return no("the token has no `oid` claim (the caller's object id)");
        };
        Ok(Caller {
            oid,
            tid: claims.tid,
            roles: claims.roles,
        })
    }
}

/// GET of a small JSON document (the key set, the discovery document).
mod fetch {
    use http_body_util::BodyExt;
    use hyper_util::rt::TokioIo;

    /// The largest document accepted.
    const MAX_BYTES: usize = 1024 * 1024;

    /// The body of `GET url`, which must answer 200 within 10 seconds.
    pub(super) async fn get(url: &str) -> Result<String, String> {
        match tokio::time::timeout(std::time::Duration::from_secs(10), get_now(url)).await {
            Ok(r) => r,
            Err(_) => Err(format!("GET {url} took longer than 10 s")),
        }
    }

    #[cfg(feature = "cosmos")]
    async fn https(url: &str) -> Result<String, String> {
        let resp = reqwest::get(url).await.map_err(|e| format!("GET {url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("GET {url} answered {}", resp.status()));
        }
        resp.text().await.map_err(|e| format!("GET {url}: {e}"))
    }

    #[cfg(not(feature = "cosmos"))]
    async fn https(url: &str) -> Result<String, String> {
        Err(format!(
            "GET {url}: this binary has no TLS client; build with the `serve-azure` feature of atakora \
             (what Azure runs), or point ATAKORA_AUTH_JWKS at a file or an http:// URL"
        ))
    }

    async fn get_now(url: &str) -> Result<String, String> {
        if url.starts_with("https://") {
            return https(url).await;
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        let addr = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let stream = tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        tokio::spawn(conn);
        let req = hyper::Request::get(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::ACCEPT, "application/json")
            .body(http_body_util::Empty::<hyper::body::Bytes>::new())
            .map_err(|e| format!("GET {url}: {e}"))?;
        let resp = send.send_request(req).await.map_err(|e| format!("GET {url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("GET {url} answered {}", resp.status()));
        }
        let body = http_body_util::Limited::new(resp.into_body(), MAX_BYTES)
            .collect()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?
            .to_bytes();
        String::from_utf8(body.to_vec()).map_err(|_| format!("GET {url}: the body is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(spec: &AuthSpec, deployed: bool, pairs: &[(&str, &str)]) -> Result<Option<AuthConfig>, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AuthConfig::from_env(spec, deployed, |k| map.get(k).cloned())
    }

    #[test]
    fn auth_is_on_exactly_when_the_issuer_is_set_and_deployed_apps_need_it() {
        let entra = AuthSpec::DEFAULT;
        assert_eq!(from(&entra, false, &[]), Ok(None));
        assert!(from(&entra, true, &[]).unwrap_err().contains("refusing to start"));
        assert_eq!(from(&AuthSpec::Anonymous, true, &[]), Ok(None));
        let iss = "https://login.microsoftonline.com/t1/v2.0";
        let c = from(&entra, true, &[(ISSUER, iss), (AUDIENCE, "api://shop-api, 1111")])
            .unwrap()
            .unwrap();
        assert_eq!(c.audiences, ["api://shop-api", "1111"]);
        assert_eq!(
            c.keys,
            KeySource::Discovery(format!("{iss}/.well-known/openid-configuration"))
        );
        assert!(from(&entra, false, &[(ISSUER, iss)]).unwrap_err().contains(AUDIENCE));
        let named = AuthSpec::Entra {
            audience: Some("api://named".into()),
        };
        let c = from(&named, false, &[(ISSUER, iss), (JWKS, "keys.json")])
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.audiences, c.keys),
            (vec!["api://named".to_string()], KeySource::File("keys.json".into()))
        );
        let c = from(
            &entra,
            false,
            &[(ISSUER, iss), (AUDIENCE, "a"), (JWKS, "http://127.0.0.1:1/k")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.keys, KeySource::Url("http://127.0.0.1:1/k".into()));
    }

    #[test]
    fn the_challenge_never_breaks_its_quotes() {
        let u = Unauthenticated {
            reason: "a \"quoted\" \\ reason\n".into(),
            missing: false,
        };
        assert_eq!(
            u.challenge(),
            "Bearer error=\"invalid_token\", error_description=\"a quoted  reason\""
        );
        assert_eq!(u.problem().status, 401);
    }
}
