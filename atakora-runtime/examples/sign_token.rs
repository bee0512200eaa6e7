//! Signs test access tokens with the runtime's test keys (`tests/keys`), and prints their key
//! set, so that authentication can be tried locally without Entra ID:
//!
//! ```sh
//! cargo run -q -p atakora-runtime --example sign_token -- jwks > /tmp/jwks.json
//! ATAKORA_AUTH_ISSUER=https://login.microsoftonline.com/local/v2.0 ATAKORA_AUTH_AUDIENCE=api://shop-api \
//!   ATAKORA_AUTH_JWKS=/tmp/jwks.json cargo run -p atakora-example-shop
//! TOKEN=$(cargo run -q -p atakora-runtime --example sign_token -- token --oid alice --tid t1 --roles Catalog.Write)
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7071/api/orders
//! ```
//!
//! `token` options: `--oid`, `--tid`, `--roles a,b`, `--iss`, `--aud` (defaults: the issuer and
//! audience above), `--expires-in <seconds>` (negative: already expired), `--key 1|2`. The keys
//! are public: a key set holding them proves nothing outside a test.

use serde_json::{Value, json};

fn key_file(n: &str, ext: &str) -> String {
    format!("{}/tests/keys/test-key-{n}.{ext}", env!("CARGO_MANIFEST_DIR"))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("jwks") => {
            let keys: Vec<Value> = ["1", "2"]
                .iter()
                .take(if args.iter().any(|a| a == "--both") { 2 } else { 1 })
                .map(|n| {
                    let text = std::fs::read_to_string(key_file(n, "jwk.json")).map_err(|e| e.to_string())?;
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                })
                .collect::<Result<_, String>>()?;
            println!("{}", json!({ "keys": keys }));
            Ok(())
        }
        Some("token") => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?
                .as_secs() as i64;
            let expires_in: i64 = opt("--expires-in").map_or(Ok(3600), |v| v.parse()).map_err(|_| "--expires-in: seconds")?;
            let roles: Vec<String> = opt("--roles").map(|r| r.split(',').map(str::to_string).collect()).unwrap_or_default();
            let claims = json!({
                "iss": opt("--iss").unwrap_or_else(|| "https://login.microsoftonline.com/local/v2.0".into()),
                "aud": opt("--aud").unwrap_or_else(|| "api://shop-api".into()),
                "iat": now, "nbf": now - 5, "exp": now + expires_in,
                "oid": opt("--oid").unwrap_or_else(|| "alice".into()),
                "tid": opt("--tid").unwrap_or_else(|| "local".into()),
                "roles": roles,
            });
            let n = opt("--key").unwrap_or_else(|| "1".into());
            let der = std::fs::read(key_file(&n, "der")).map_err(|e| format!("key {n}: {e}"))?;
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some(format!("atakora-test-{n}"));
            let token = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_rsa_der(&der))
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(())
        }
        _ => Err("usage: sign_token jwks [--both] | token [--oid X] [--tid T] [--roles a,b] [--iss URL] [--aud AUD] [--expires-in S] [--key 1|2]".into()),
    }
}
