//! The Cosmos DB store (feature `cosmos`): azure_data_cosmos 1.0 with the app's managed
//! identity in Azure (a developer credential elsewhere), or an account key from a
//! connection string (`managed_identity = false` backends).
//!
//! The client and each container client are made on first use, so the Functions host sees
//! the port bound at once. PATCH is done by the HTTP layer as read + replace with If-Match
//! (the SDK's own PATCH is unstable).

use super::{
    Charged, ContainerDef, FieldEquals, Page, PartitionKey, Precondition, Store, StoreError, StoreFuture, Stored,
    doc_id,
};
use crate::api::Service;
use atakora_core::contract::settings;
use atakora_core::spec::BackendSpec;
use azure_data_cosmos::clients::{ContainerClient, CosmosClient};
use azure_data_cosmos::models::{ContainerProperties, PartitionKeyValue};
use azure_data_cosmos::options::{ContentResponseOnWrite, ItemWriteOptions, OperationOptions, QueryOptions};
use azure_data_cosmos::{AccountEndpoint, AccountReference, CosmosError, FeedScope, Query, RoutingStrategy};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::OnceCell;

/// How to reach one account.
#[derive(Clone)]
pub enum Account {
    /// `https://<account>.documents.azure.com:443/` with an Entra ID token credential.
    Identity(String),
    /// `AccountEndpoint=...;AccountKey=...;` (a Key Vault reference resolved by the host).
    ConnectionString(String),
    /// A client made by the caller (tests, emulators).
    Client(CosmosClient),
}

/// Where one spec container lives: account, database, container.
#[derive(Clone)]
pub struct Target {
    /// The container's definition (from the spec).
    pub def: ContainerDef,
    /// Index into the store's accounts.
    pub account: usize,
    /// The database.
    pub database: String,
    /// The container's name in the account (may differ from the spec's when the template
    /// shortened it).
    pub container: String,
}

struct Connection {
    account: Account,
    client: OnceCell<CosmosClient>,
}

/// The Cosmos DB store.
pub struct CosmosStore {
    accounts: Vec<Connection>,
    targets: HashMap<String, (Target, OnceCell<ContainerClient>)>,
    region: String,
    /// The server's ETags come without quotes (not Cosmos DB itself: test servers).
    unquoted: AtomicBool,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("cosmos: {e}"))
}

fn status(e: &CosmosError) -> u16 {
    u16::from(e.status().status_code())
}

/// The `id` of a `create` conflict or `unique_key` otherwise.
fn conflict_or(e: CosmosError, id_conflict: bool, def: &ContainerDef) -> StoreError {
    match status(&e) {
        404 => StoreError::NotFound,
        412 => StoreError::PreconditionFailed,
        409 if id_conflict => StoreError::Conflict { key: "id".into() },
        409 => StoreError::Conflict {
            key: unique_key_names(def),
        },
        _ => unavailable(e),
    }
}

fn unique_key_names(def: &ContainerDef) -> String {
    let names: Vec<String> = def
        .unique_keys
        .iter()
        .map(|k| ContainerDef::unique_key_name(k))
        .collect();
    if names.is_empty() {
        "id".into()
    } else {
        names.join(" or ")
    }
}

fn to_sdk_key(key: &[Value]) -> Result<azure_data_cosmos::PartitionKey, StoreError> {
    let values = key
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(PartitionKeyValue::from(s.clone())),
            Value::Bool(b) => Ok(PartitionKeyValue::from(*b)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(PartitionKeyValue::from(i)),
                None => PartitionKeyValue::try_from(n.as_f64().unwrap_or(f64::NAN)).map_err(unavailable),
            },
            _ => Err(unavailable("a partition key value must be a string, number or boolean")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    azure_data_cosmos::PartitionKey::try_from(values).map_err(unavailable)
}

/// The document without Cosmos DB's system properties, and its `_ts`.
fn strip(mut doc: Value) -> (Value, Option<i64>) {
    let mut ts = None;
    if let Some(o) = doc.as_object_mut() {
        ts = o.get("_ts").and_then(Value::as_i64);
        for k in ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"] {
            o.remove(k);
        }
    }
    (doc, ts)
}

fn stored(def: &ContainerDef, raw: Value, etag: Option<String>, unquoted: &AtomicBool) -> Stored {
    let etag = etag
        .or_else(|| raw.get("_etag").and_then(Value::as_str).map(String::from))
        .unwrap_or_default();
    if !etag.starts_with('"') {
        // Cosmos DB's ETags are quoted; a server whose are not gets them back unquoted.
        unquoted.store(true, Ordering::Relaxed);
    }
    let (doc, ts) = strip(raw);
    let expires_at_ms = match (def.expiry(&doc), ts) {
        (Some(s), Some(ts)) => Some((ts + s) * 1000),
        _ => None,
    };
    Stored {
        json: doc.to_string(),
        etag: if etag.starts_with('"') {
            etag
        } else {
            format!("\"{etag}\"")
        },
        expires_at_ms,
    }
}

fn write_options(condition: Option<&Precondition>, unquoted: &AtomicBool, content: bool) -> ItemWriteOptions {
    let mut o = ItemWriteOptions::default();
    if content {
        let mut op = OperationOptions::default();
        op.content_response_on_write = Some(ContentResponseOnWrite::Enabled);
        o = o.with_operation_options(op);
    }
    if let Some(Precondition::IfMatch(tag)) = condition {
        let tag = if unquoted.load(Ordering::Relaxed) {
            tag.trim_matches('"')
        } else {
            tag.as_str()
        };
        o = o.with_precondition(azure_data_cosmos::options::Precondition::if_match(tag));
    }
    o
}

fn charge_of(h: &azure_data_cosmos::models::ResponseHeaders) -> Option<f64> {
    h.request_charge().map(|c| c.value())
}

impl CosmosStore {
    /// A store over `accounts` holding `targets`.
    pub fn new(accounts: Vec<Account>, targets: Vec<Target>) -> CosmosStore {
        CosmosStore {
            accounts: accounts
                .into_iter()
                .map(|account| Connection {
                    account,
                    client: OnceCell::new(),
                })
                .collect(),
            targets: targets
                .into_iter()
                .map(|t| (t.def.name.clone(), (t, OnceCell::new())))
                .collect(),
            region: std::env::var("REGION_NAME").unwrap_or_else(|_| "East US".to_string()),
            unquoted: AtomicBool::new(false),
        }
    }

    /// One account (a ready client) with every container of `defs` in `database`, under
    /// its spec name (tests and emulators).
    pub fn with_client(client: CosmosClient, database: &str, defs: &[ContainerDef]) -> CosmosStore {
        let targets = defs
            .iter()
            .map(|d| Target {
                def: d.clone(),
                account: 0,
                database: database.to_string(),
                container: d.name.clone(),
            })
            .collect();
        CosmosStore::new(vec![Account::Client(client)], targets)
    }

    /// The store the template's app settings describe: per component, the connection
    /// (`COSMOS`, or `COSMOS_SERVERLESS` for serverless entities next to provisioned ones),
    /// `<connection>__accountEndpoint` (identity) or `<connection>` (connection string), and
    /// `ATAKORA_CONTAINER_<FIELD>` = `<database>/<container>` (else
    /// `ATAKORA_<connection>_DATABASE` and the spec's container name).
    pub fn from_settings(
        service: &Service,
        _spec: &BackendSpec,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<CosmosStore, String> {
        let split = service.apis.iter().any(|a| a.spec.serverless) && service.apis.iter().any(|a| !a.spec.serverless);
        let mut names: Vec<String> = Vec::new();
        let mut accounts = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        for api in &service.apis {
            let default = if split && api.spec.serverless {
                settings::COSMOS_SERVERLESS
            } else {
                settings::COSMOS
            };
            // A container in a further account of its kind names the account's connection.
            let named = env(&settings::connection(api.field)).filter(|v| !v.is_empty());
            let conn: &str = match &named {
                Some(c) => c,
                None => default,
            };
            let account = match names.iter().position(|n| n == conn) {
                Some(i) => i,
                None => {
                    let endpoint =
                        env(&format!("{conn}{}", settings::ACCOUNT_ENDPOINT_SUFFIX)).filter(|v| !v.is_empty());
                    let account = match (endpoint, env(conn).filter(|v| !v.is_empty())) {
                        (Some(e), _) => Account::Identity(e),
                        (None, Some(cs)) => Account::ConnectionString(cs),
                        (None, None) => {
                            return Err(format!(
                                "{conn}{suffix} (or {conn}) is not set: the Cosmos DB store needs the account of `{}`",
                                api.field,
                                suffix = settings::ACCOUNT_ENDPOINT_SUFFIX
                            ));
                        }
                    };
                    names.push(conn.to_string());
                    accounts.push(account);
                    names.len() - 1
                }
            };
            let (database, container) = match env(&settings::container(api.field))
                .and_then(|v| v.split_once('/').map(|(d, c)| (d.to_string(), c.to_string())))
            {
                Some(dc) => dc,
                None => {
                    let db = env(&settings::database(conn))
                        .ok_or_else(|| format!("{} is not set", settings::database(conn)))?;
                    (db, api.container.name.clone())
                }
            };
            if !targets.iter().any(|t| t.def.name == api.container.name) {
                targets.push(Target {
                    def: api.container.clone(),
                    account,
                    database,
                    container,
                });
            }
        }
        Ok(CosmosStore::new(accounts, targets))
    }

    /// The stored document an item response carries, with its ETag and charge.
    fn item(
        &self,
        def: &ContainerDef,
        r: azure_data_cosmos::models::ItemResponse,
    ) -> Result<Charged<Stored>, StoreError> {
        let charge = charge_of(r.headers());
        let etag = r.headers().etag().map(|e| e.to_string());
        let body: Value = r.into_body().into_single().map_err(unavailable)?;
        Ok(Charged {
            value: stored(def, body, etag, &self.unquoted),
            charge,
        })
    }

    async fn client(&self, account: usize) -> Result<&CosmosClient, StoreError> {
        let conn = &self.accounts[account];
        conn.client
            .get_or_try_init(|| async {
                let reference = match &conn.account {
                    Account::Client(c) => return Ok(c.clone()),
                    Account::Identity(endpoint) => {
                        let endpoint: AccountEndpoint = endpoint.parse().map_err(unavailable)?;
                        AccountReference::with_credential(endpoint, credential()?)
                    }
                    Account::ConnectionString(cs) => {
                        let part = |k: &str| crate::identity::connection_string_part(cs, k);
                        let endpoint = part("AccountEndpoint")
                            .ok_or_else(|| unavailable("no AccountEndpoint in the connection string"))?;
                        let key =
                            part("AccountKey").ok_or_else(|| unavailable("no AccountKey in the connection string"))?;
                        let endpoint: AccountEndpoint = endpoint.parse().map_err(unavailable)?;
                        AccountReference::with_authentication_key(endpoint, azure_core::credentials::Secret::new(key))
                    }
                };
                CosmosClient::builder()
                    .build(reference, RoutingStrategy::ProximityTo(self.region.clone().into()))
                    .await
                    .map_err(unavailable)
            })
            .await
    }

    async fn container(&self, name: &str) -> Result<(&Target, &ContainerClient), StoreError> {
        let (target, cell) = self
            .targets
            .get(name)
            .ok_or_else(|| StoreError::Unavailable(format!("container {name} is not configured")))?;
        let client = self.client(target.account).await?;
        let cc = cell
            .get_or_try_init(|| async {
                client
                    .database_client(target.database.as_str())
                    .container_client(target.container.as_str(), None)
                    .await
                    .map_err(|e| match status(&e) {
                        404 => StoreError::Mismatch(format!(
                            "container {}/{} does not exist",
                            target.database, target.container
                        )),
                        _ => unavailable(e),
                    })
            })
            .await?;
        Ok((target, cc))
    }

    async fn ensure_one(&self, def: &ContainerDef, create: bool) -> Result<(), StoreError> {
        let (target, _) = self
            .targets
            .get(&def.name)
            .ok_or_else(|| StoreError::Mismatch(format!("container {} is not configured", def.name)))?;
        if create {
            self.create_container(target).await?;
        }
        let (_, cc) = self.container(&def.name).await?;
        let props: Value = cc
            .read(None)
            .await
            .and_then(|r| r.into_model())
            .map(|p: ContainerProperties| serde_json::to_value(p).unwrap_or(Value::Null))
            .map_err(unavailable)?;
        let paths = props["partitionKey"]["paths"].clone();
        if paths != json!(def.partition_key) {
            return Err(StoreError::Mismatch(format!(
                "container {}/{} has partition key {paths}, the spec says {:?}",
                target.database, target.container, def.partition_key
            )));
        }
        Ok(())
    }

    #[allow(unused_variables)]
    async fn create_container(&self, target: &Target) -> Result<(), StoreError> {
        let client = self.client(target.account).await?;
        let mut props = json!({
            "id": target.container,
            "partitionKey": {
                "paths": target.def.partition_key,
                "kind": if target.def.partition_key.len() > 1 { "MultiHash" } else { "Hash" },
                "version": 2
            }
        });
        if let Some(ttl) = target.def.default_ttl {
            props["defaultTtl"] = json!(ttl);
        }
        if !target.def.unique_keys.is_empty() {
            props["uniqueKeyPolicy"] = json!({ "uniqueKeys": target.def.unique_keys.iter().map(|k| json!({ "paths": k })).collect::<Vec<_>>() });
        }
        let props: ContainerProperties = serde_json::from_value(props).map_err(unavailable)?;
        match client.create_database(&target.database, None).await {
            Ok(_) => {}
            Err(e) if status(&e) == 409 => {}
            Err(e) => return Err(unavailable(e)),
        }
        match client
            .database_client(target.database.as_str())
            .create_container(props, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if status(&e) == 409 => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The app's managed identity in Azure, the developer's own sign-in elsewhere.
pub(crate) fn credential() -> Result<Arc<dyn azure_core::credentials::TokenCredential>, StoreError> {
    crate::identity::credential(None).map_err(unavailable)
}

impl Store for CosmosStore {
    fn kind(&self) -> &'static str {
        "cosmos"
    }

    fn ensure<'a>(&'a self, containers: &'a [ContainerDef], create: bool) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            for def in containers {
                self.ensure_one(def, create).await?;
            }
            Ok(())
        })
    }

    fn create<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
    ) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async move {
            let (t, cc) = self.container(container).await?;
            let id = doc_id(doc);
            match cc
                .create_item(
                    to_sdk_key(&key.values)?,
                    id,
                    doc,
                    Some(write_options(None, &self.unquoted, true)),
                )
                .await
            {
                Ok(r) => self.item(&t.def, r),
                Err(e) if status(&e) == 409 => {
                    // Which key? A document with this id in the partition means `id`.
                    let exists = self.read(container, key, id).await?.value.is_some();
                    Err(conflict_or(e, exists, &t.def))
                }
                Err(e) => Err(conflict_or(e, false, &t.def)),
            }
        })
    }

    fn read<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
    ) -> StoreFuture<'a, Charged<Option<Stored>>> {
        Box::pin(async move {
            let (t, cc) = self.container(container).await?;
            match cc.read_item(to_sdk_key(&key.values)?, id, None).await {
                Ok(r) => self.item(&t.def, r).map(|c| Charged {
                    value: Some(c.value),
                    charge: c.charge,
                }),
                Err(e) if status(&e) == 404 => Ok(Charged::free(None)),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    fn replace<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async move {
            let (t, cc) = self.container(container).await?;
            let r = cc
                .replace_item(
                    to_sdk_key(&key.values)?,
                    doc_id(doc),
                    doc,
                    Some(write_options(Some(condition), &self.unquoted, true)),
                )
                .await
                .map_err(|e| conflict_or(e, false, &t.def))?;
            self.item(&t.def, r)
        })
    }

    fn delete<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<()>> {
        Box::pin(async move {
            let (t, cc) = self.container(container).await?;
            let o = write_options(Some(condition), &self.unquoted, false);
            let r = cc
                .delete_item(to_sdk_key(&key.values)?, id, Some(o))
                .await
                .map_err(|e| conflict_or(e, false, &t.def))?;
            Ok(Charged {
                value: (),
                charge: charge_of(r.headers()),
            })
        })
    }

    fn list<'a>(
        &'a self,
        container: &'a str,
        prefix: &'a [Value],
        only: &'a [FieldEquals],
        limit: usize,
        continuation: Option<&'a str>,
    ) -> StoreFuture<'a, Charged<Page>> {
        Box::pin(async move {
            let (t, cc) = self.container(container).await?;
            // The scope routes the query; the filter repeats it in SQL (servers that ignore
            // the routing headers still scope the list). `only` is in the same WHERE clause.
            let property = |path: &str| {
                let mut c = String::from("c");
                for seg in path.split('/').filter(|s| !s.is_empty()) {
                    if seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        c.push('.');
                        c.push_str(seg);
                    } else {
                        c.push_str(&format!("[{}]", Value::from(seg)));
                    }
                }
                c
            };
            let mut conditions: Vec<(String, &Value)> = Vec::new();
            for (i, path) in t.def.partition_key.iter().take(prefix.len()).enumerate() {
                conditions.push((property(path), &prefix[i]));
            }
            for f in only {
                conditions.push((property(&f.field), &f.value));
            }
            let mut sql = String::from("SELECT * FROM c");
            for (i, (c, _)) in conditions.iter().enumerate() {
                sql.push_str(if i == 0 { " WHERE " } else { " AND " });
                sql.push_str(&format!("{c} = @k{i}"));
            }
            let mut query = Query::from(sql);
            for (i, (_, v)) in conditions.iter().enumerate() {
                query = query.with_parameter(format!("@k{i}"), *v).map_err(unavailable)?;
            }
            let scope = if prefix.is_empty() {
                FeedScope::full_container()
            } else {
                FeedScope::partition(to_sdk_key(prefix)?)
            };
            let n = std::num::NonZeroU32::new(limit.clamp(1, i32::MAX as usize) as u32)
                .unwrap_or(std::num::NonZeroU32::MIN);
            let hint = azure_data_cosmos::options::MaxItemCountHint::Limit(n);
            let mut options = QueryOptions::default().with_max_item_count(hint);
            if let Some(token) = continuation {
                options = options.with_continuation_token(azure_data_cosmos::feed::ContinuationToken::from_string(
                    token.to_string(),
                ));
            }
            let mut pages = Box::pin(cc.query_items::<Value>(query, scope, Some(options)))
                .await
                .map_err(|e| match status(&e) {
                    400 if continuation.is_some() => StoreError::BadContinuation,
                    _ => unavailable(e),
                })?
                .into_pages();
            let mut charge = 0.0;
            let mut items = Vec::new();
            // The first non-empty page; then one look ahead tells whether there is more.
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| match status(&e) {
                    400 if continuation.is_some() => StoreError::BadContinuation,
                    _ => unavailable(e),
                })?;
                charge += charge_of(page.headers()).unwrap_or(0.0);
                items = page.into_items();
                if !items.is_empty() {
                    break;
                }
            }
            if items.len() > limit {
                return Err(unavailable(format!(
                    "a page of {} items for a limit of {limit}",
                    items.len()
                )));
            }
            let token = pages.to_continuation_token().map(|t| t.as_str().to_string()).ok();
            let more = match pages.next().await {
                None => false,
                Some(Ok(p)) => {
                    charge += charge_of(p.headers()).unwrap_or(0.0);
                    !p.items().is_empty() || token.is_some()
                }
                Some(Err(e)) => return Err(unavailable(e)),
            };
            Ok(Charged {
                value: Page {
                    items: items
                        .into_iter()
                        .map(|d| stored(&t.def, d, None, &self.unquoted))
                        .collect(),
                    continuation: if more { token } else { None },
                },
                charge: Some(charge),
            })
        })
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            for name in self.targets.keys() {
                let (_, cc) = self.container(name).await?;
                cc.read(None).await.map_err(unavailable)?;
            }
            Ok(())
        })
    }
}
