//! Names: the pattern, the per-type rules, sanitising, and ARM's `uniqueString`.
//!
//! A name is built from the backend's pattern (default `{type}-{app}-{env}-{purpose}`), then
//! made legal for its resource type: characters mapped, case folded, separators collapsed.
//! Globally unique names get a deployment-time suffix (`take(uniqueString(resourceGroup().id), 6)`
//! through the template's `nameSuffix` parameter), so the length budget reserves room for it.
//! A name that is still too long is shortened with a hash of the full name, so two different
//! inputs never meet, and the user is told ([`Code::NameShortened`]) — or, with
//! `naming(strict = true)`, it is an error.

use crate::diag::{Code, Diagnostic};
use serde::Serialize;
use std::fmt;

/// The characters a resource type accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `a-z0-9` (storage accounts).
    LowerAlnum,
    /// `a-z0-9-`, no leading, trailing or double `-` (Cosmos accounts, blob containers).
    LowerAlnumHyphen,
    /// `a-zA-Z0-9-`, no leading or trailing `-` (sites, plans, workspaces).
    AlnumHyphen,
    /// `a-zA-Z0-9-_` (Cosmos databases and containers: atakora keeps to these).
    AlnumHyphenUnderscore,
    /// A dotted DNS name: labels of `a-z0-9-` separated by `.` (private DNS zones).
    DnsName,
}

/// One resource type's naming rule (shared/azure-facts.md §1).
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    /// The Cloud Adoption Framework abbreviation, `{type}` in the pattern.
    pub abbr: &'static str,
    /// Fewest characters.
    pub min: usize,
    /// Most characters (the unique suffix included).
    pub max: usize,
    /// The characters allowed.
    pub charset: Charset,
    /// Must start with a letter (Key Vault).
    pub starts_with_letter: bool,
    /// Unique across Azure (a DNS name): carries the unique suffix.
    pub global: bool,
}

/// Every resource type atakora emits: each has a naming rule and an ARM type, and every
/// resource of a plan is recorded with its kind (see [`crate::plan::NamedResource`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ResourceKind {
    /// A Cosmos DB for NoSQL account (global name).
    CosmosAccount,
    /// A Cosmos DB SQL database.
    CosmosDatabase,
    /// A Cosmos DB container.
    CosmosContainer,
    /// A storage account (global name).
    StorageAccount,
    /// A blob container (deployment packages).
    BlobContainer,
    /// A Function App (global name).
    FunctionApp,
    /// A Flex Consumption plan.
    AppServicePlan,
    /// A Log Analytics workspace.
    LogAnalytics,
    /// An Application Insights component.
    AppInsights,
    /// A Key Vault (global name).
    KeyVault,
    /// An Azure Managed Redis cache (global name).
    ManagedRedis,
    /// A virtual network.
    VirtualNetwork,
    /// A subnet.
    Subnet,
    /// A private endpoint.
    PrivateEndpoint,
    /// An action group.
    ActionGroup,
    /// A metric alert.
    MetricAlert,
    /// An Application Insights standard availability test.
    AvailabilityTest,
    /// The storage account's blob service (`default`).
    BlobService,
    /// A Function App's FTP or SCM basic-publishing policy (`ftp`, `scm`).
    PublishingPolicy,
    /// An Azure RBAC role assignment (a GUID).
    RoleAssignment,
    /// A Cosmos DB data-plane role assignment (a GUID).
    CosmosRoleAssignment,
    /// A private DNS zone (`privatelink.*`).
    PrivateDnsZone,
    /// A private DNS zone's link to the VNet.
    DnsZoneLink,
    /// A private endpoint's DNS zone group (`default`).
    DnsZoneGroup,
    /// A Key Vault secret.
    KeyVaultSecret,
    /// The Azure Managed Redis database (`default`).
    RedisDatabase,
    /// An Entra ID access-policy assignment on the Redis database.
    RedisAccessPolicyAssignment,
    /// An app's user-assigned managed identity.
    UserAssignedIdentity,
    /// A nested deployment (an app's role assignments, named from its identity's principal).
    Deployment,
    /// A log search alert (scheduled query rule).
    ScheduledQueryRule,
    /// The storage account's queue service (`default`).
    QueueService,
    /// A storage queue (a queue trigger's queue, or its `-poison` twin).
    StorageQueue,
    /// A Cosmos DB data-plane custom role definition (a GUID).
    CosmosRoleDefinition,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 33] = [
        ResourceKind::CosmosAccount,
        ResourceKind::CosmosDatabase,
        ResourceKind::CosmosContainer,
        ResourceKind::StorageAccount,
        ResourceKind::BlobContainer,
        ResourceKind::FunctionApp,
        ResourceKind::AppServicePlan,
        ResourceKind::LogAnalytics,
        ResourceKind::AppInsights,
        ResourceKind::KeyVault,
        ResourceKind::ManagedRedis,
        ResourceKind::VirtualNetwork,
        ResourceKind::Subnet,
        ResourceKind::PrivateEndpoint,
        ResourceKind::ActionGroup,
        ResourceKind::MetricAlert,
        ResourceKind::AvailabilityTest,
        ResourceKind::BlobService,
        ResourceKind::PublishingPolicy,
        ResourceKind::RoleAssignment,
        ResourceKind::CosmosRoleAssignment,
        ResourceKind::PrivateDnsZone,
        ResourceKind::DnsZoneLink,
        ResourceKind::DnsZoneGroup,
        ResourceKind::KeyVaultSecret,
        ResourceKind::RedisDatabase,
        ResourceKind::RedisAccessPolicyAssignment,
        ResourceKind::UserAssignedIdentity,
        ResourceKind::Deployment,
        ResourceKind::ScheduledQueryRule,
        ResourceKind::QueueService,
        ResourceKind::StorageQueue,
        ResourceKind::CosmosRoleDefinition,
    ];

    /// The ARM resource type (the one kind-to-type table).
    pub fn arm_type(self) -> &'static str {
        match self {
            ResourceKind::CosmosAccount => "Microsoft.DocumentDB/databaseAccounts",
            ResourceKind::CosmosDatabase => "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
            ResourceKind::CosmosContainer => "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
            ResourceKind::StorageAccount => "Microsoft.Storage/storageAccounts",
            ResourceKind::BlobContainer => "Microsoft.Storage/storageAccounts/blobServices/containers",
            ResourceKind::FunctionApp => "Microsoft.Web/sites",
            ResourceKind::AppServicePlan => "Microsoft.Web/serverfarms",
            ResourceKind::LogAnalytics => "Microsoft.OperationalInsights/workspaces",
            ResourceKind::AppInsights => "Microsoft.Insights/components",
            ResourceKind::KeyVault => "Microsoft.KeyVault/vaults",
            ResourceKind::ManagedRedis => "Microsoft.Cache/redisEnterprise",
            ResourceKind::VirtualNetwork => "Microsoft.Network/virtualNetworks",
            ResourceKind::Subnet => "Microsoft.Network/virtualNetworks/subnets",
            ResourceKind::PrivateEndpoint => "Microsoft.Network/privateEndpoints",
            ResourceKind::ActionGroup => "Microsoft.Insights/actionGroups",
            ResourceKind::MetricAlert => "Microsoft.Insights/metricAlerts",
            ResourceKind::AvailabilityTest => "Microsoft.Insights/webtests",
            ResourceKind::BlobService => "Microsoft.Storage/storageAccounts/blobServices",
            ResourceKind::PublishingPolicy => "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
            ResourceKind::RoleAssignment => "Microsoft.Authorization/roleAssignments",
            ResourceKind::CosmosRoleAssignment => "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
            ResourceKind::PrivateDnsZone => "Microsoft.Network/privateDnsZones",
            ResourceKind::DnsZoneLink => "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            ResourceKind::DnsZoneGroup => "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            ResourceKind::KeyVaultSecret => "Microsoft.KeyVault/vaults/secrets",
            ResourceKind::RedisDatabase => "Microsoft.Cache/redisEnterprise/databases",
            ResourceKind::RedisAccessPolicyAssignment => {
                "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"
            }
            ResourceKind::UserAssignedIdentity => "Microsoft.ManagedIdentity/userAssignedIdentities",
            ResourceKind::Deployment => "Microsoft.Resources/deployments",
            ResourceKind::ScheduledQueryRule => "Microsoft.Insights/scheduledQueryRules",
            ResourceKind::QueueService => "Microsoft.Storage/storageAccounts/queueServices",
            ResourceKind::StorageQueue => "Microsoft.Storage/storageAccounts/queueServices/queues",
            ResourceKind::CosmosRoleDefinition => "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
        }
    }

    /// The type's naming rule (shared/azure-facts.md §1; fixed and GUID names have rules too,
    /// so every recorded name can be checked).
    pub fn rule(self) -> NameRule {
        use Charset::*;
        let r = |abbr, min, max, charset, global| NameRule {
            abbr,
            min,
            max,
            charset,
            starts_with_letter: false,
            global,
        };
        match self {
            ResourceKind::CosmosAccount => r("cosno", 3, 44, LowerAlnumHyphen, true),
            ResourceKind::CosmosDatabase => r("cosmos", 1, 255, AlnumHyphenUnderscore, false),
            ResourceKind::CosmosContainer => r("", 1, 255, AlnumHyphenUnderscore, false),
            ResourceKind::StorageAccount => r("st", 3, 24, LowerAlnum, true),
            ResourceKind::BlobContainer => r("", 3, 63, LowerAlnumHyphen, false),
            ResourceKind::FunctionApp => r("func", 2, 60, LowerAlnumHyphen, true),
            ResourceKind::AppServicePlan => r("asp", 1, 60, AlnumHyphen, false),
            ResourceKind::LogAnalytics => r("log", 4, 63, AlnumHyphen, false),
            ResourceKind::AppInsights => r("appi", 1, 260, AlnumHyphen, false),
            ResourceKind::KeyVault => NameRule {
                starts_with_letter: true,
                ..r("kv", 3, 24, LowerAlnumHyphen, true)
            },
            // CAF has no abbreviation for Azure Managed Redis; `redis` (Azure Cache for Redis).
            ResourceKind::ManagedRedis => r("redis", 1, 60, LowerAlnumHyphen, true),
            ResourceKind::VirtualNetwork => r("vnet", 2, 64, AlnumHyphen, false),
            ResourceKind::Subnet => r("snet", 1, 80, AlnumHyphen, false),
            ResourceKind::PrivateEndpoint => r("pep", 2, 64, AlnumHyphen, false),
            ResourceKind::ActionGroup => r("ag", 1, 260, AlnumHyphen, false),
            ResourceKind::MetricAlert => r("alert", 1, 260, AlnumHyphen, false),
            ResourceKind::AvailabilityTest => r("webtest", 1, 260, AlnumHyphen, false),
            ResourceKind::BlobService | ResourceKind::RedisDatabase | ResourceKind::DnsZoneGroup => {
                r("", 1, 80, LowerAlnumHyphen, false)
            }
            ResourceKind::PublishingPolicy => r("", 3, 3, LowerAlnum, false),
            ResourceKind::RoleAssignment | ResourceKind::CosmosRoleAssignment => r("", 36, 36, LowerAlnumHyphen, false),
            // Zone names are dotted DNS names; checked as written by Azure's documentation.
            ResourceKind::PrivateDnsZone => r("", 1, 63, DnsName, false),
            ResourceKind::DnsZoneLink => r("", 1, 80, AlnumHyphen, false),
            ResourceKind::KeyVaultSecret => r("", 1, 127, AlnumHyphen, false),
            ResourceKind::RedisAccessPolicyAssignment => r("", 1, 60, AlnumHyphen, false),
            ResourceKind::UserAssignedIdentity => r("id", 3, 128, AlnumHyphenUnderscore, false),
            // CAF has no abbreviation for deployments.
            ResourceKind::Deployment => r("deploy", 1, 64, AlnumHyphenUnderscore, false),
            ResourceKind::ScheduledQueryRule => r("alert", 1, 260, AlnumHyphen, false),
            ResourceKind::QueueService => r("", 1, 80, LowerAlnumHyphen, false),
            ResourceKind::StorageQueue => r("", 3, 63, LowerAlnumHyphen, false),
            ResourceKind::CosmosRoleDefinition => r("", 36, 36, LowerAlnumHyphen, false),
        }
    }

    /// How messages name the type.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::CosmosAccount => "Cosmos DB account",
            ResourceKind::CosmosDatabase => "Cosmos DB database",
            ResourceKind::CosmosContainer => "Cosmos DB container",
            ResourceKind::StorageAccount => "storage account",
            ResourceKind::BlobContainer => "blob container",
            ResourceKind::FunctionApp => "Function App",
            ResourceKind::AppServicePlan => "App Service plan",
            ResourceKind::LogAnalytics => "Log Analytics workspace",
            ResourceKind::AppInsights => "Application Insights component",
            ResourceKind::KeyVault => "Key Vault",
            ResourceKind::ManagedRedis => "Azure Managed Redis cache",
            ResourceKind::VirtualNetwork => "virtual network",
            ResourceKind::Subnet => "subnet",
            ResourceKind::PrivateEndpoint => "private endpoint",
            ResourceKind::ActionGroup => "action group",
            ResourceKind::MetricAlert => "metric alert",
            ResourceKind::AvailabilityTest => "availability test",
            ResourceKind::BlobService => "blob service",
            ResourceKind::PublishingPolicy => "publishing-credentials policy",
            ResourceKind::RoleAssignment => "role assignment",
            ResourceKind::CosmosRoleAssignment => "Cosmos DB role assignment",
            ResourceKind::PrivateDnsZone => "private DNS zone",
            ResourceKind::DnsZoneLink => "private DNS zone link",
            ResourceKind::DnsZoneGroup => "private DNS zone group",
            ResourceKind::KeyVaultSecret => "Key Vault secret",
            ResourceKind::RedisDatabase => "Azure Managed Redis database",
            ResourceKind::RedisAccessPolicyAssignment => "Redis access-policy assignment",
            ResourceKind::UserAssignedIdentity => "user-assigned identity",
            ResourceKind::Deployment => "nested deployment",
            ResourceKind::ScheduledQueryRule => "log search alert",
            ResourceKind::QueueService => "queue service",
            ResourceKind::StorageQueue => "storage queue",
            ResourceKind::CosmosRoleDefinition => "Cosmos DB role definition",
        }
    }

    /// Rule: a final name (suffix included) is legal for this type — length, characters,
    /// first and last character, no double hyphen where the type forbids it.
    pub fn check_final(self, name: &str) -> Result<(), String> {
        let rule = self.rule();
        let len = name.chars().count();
        if len < rule.min || len > rule.max {
            return Err(format!("{len} characters, not {}..={}", rule.min, rule.max));
        }
        let allowed = |c: char| match rule.charset {
            Charset::LowerAlnum => c.is_ascii_lowercase() || c.is_ascii_digit(),
            Charset::LowerAlnumHyphen => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
            Charset::AlnumHyphen => c.is_ascii_alphanumeric() || c == '-',
            Charset::AlnumHyphenUnderscore => c.is_ascii_alphanumeric() || c == '-' || c == '_',
            Charset::DnsName => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.',
        };
        if let Some(c) = name.chars().find(|c| !allowed(*c)) {
            return Err(format!("character `{c}` is not allowed"));
        }
        if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err("must start and end with a letter or digit".into());
        }
        if rule.starts_with_letter && !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err("must start with a letter".into());
        }
        if rule.charset == Charset::LowerAlnumHyphen && name.contains("--") {
            return Err("must not contain `--`".into());
        }
        Ok(())
    }
}

/// Length of the deployment-time unique suffix of global names.
pub const SUFFIX_LEN: usize = 6;

/// A final resource name: literal, or a literal base plus the deployment-time unique suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceName {
    /// The legal, literal part.
    pub base: String,
    /// `Some(separator)` when the unique suffix follows the base (`"-"`, or `""` for storage).
    pub suffix: Option<&'static str>,
}

impl ResourceName {
    /// A name without the unique suffix.
    pub fn literal(base: impl Into<String>) -> Self {
        ResourceName {
            base: base.into(),
            suffix: None,
        }
    }

    /// The name as deployed, given the deployment's suffix (see [`suffix_for`]).
    pub fn with_suffix(&self, suffix: &str) -> String {
        match self.suffix {
            None => self.base.clone(),
            Some(sep) => format!("{}{sep}{suffix}", self.base),
        }
    }
}

/// The suffix a deployment into `resource_group_id` gets by default: the template's
/// `take(uniqueString(resourceGroup().id), 6)`, computed offline. ARM hashes the id as written
/// (case-sensitive): pass it exactly as `az group show --query id` prints it.
pub fn suffix_for(resource_group_id: &str) -> String {
    unique_string(&[resource_group_id])[..SUFFIX_LEN].to_string()
}

/// `cosno-shop-prod-{suffix}`: how plans and manifests show a name before deployment.
impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.suffix {
            None => f.write_str(&self.base),
            Some(sep) => write!(f, "{}{sep}{{suffix}}", self.base),
        }
    }
}

impl Serialize for ResourceName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What the pattern's placeholders stand for in one backend and environment.
#[derive(Debug, Clone)]
pub struct Namer<'a> {
    /// The naming pattern (`{type}-{app}-{env}-{purpose}`).
    pub pattern: &'a str,
    /// `{app}`.
    pub app: &'a str,
    /// `{env}`.
    pub env: &'a str,
    /// `{backend}`.
    pub backend: &'a str,
    /// `{region}`.
    pub region: &'a str,
    /// Whether global names get the deployment-time suffix.
    pub unique_suffix: bool,
    /// Whether shortening a name is an error.
    pub strict: bool,
}

impl Namer<'_> {
    /// The name of a resource of `kind` serving `purpose` (may be empty). Warnings about
    /// shortened names go to `diagnostics`; a name that cannot be made legal is an error.
    pub fn name(
        &self,
        kind: ResourceKind,
        purpose: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<ResourceName, Diagnostic> {
        let rule = kind.rule();
        let raw = self
            .pattern
            .replace("{type}", rule.abbr)
            .replace("{app}", self.app)
            .replace("{env}", self.env)
            .replace("{purpose}", purpose)
            .replace("{backend}", self.backend)
            .replace("{region}", self.region);
        let suffix = (rule.global && self.unique_suffix).then_some(match rule.charset {
            Charset::LowerAlnum => "",
            _ => "-",
        });
        let base = self.fit(kind, &raw, suffix.map_or(0, |sep| sep.len() + SUFFIX_LEN), diagnostics)?;
        Ok(ResourceName { base, suffix })
    }

    /// A name not built from the pattern (`app-package-api`), made legal for `kind` by the
    /// same rules.
    pub fn fixed(
        &self,
        kind: ResourceKind,
        raw: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<ResourceName, Diagnostic> {
        Ok(ResourceName::literal(self.fit(kind, raw, 0, diagnostics)?))
    }

    /// Rule: sanitise `raw` for `kind`; when it does not fit (`reserved` characters kept for
    /// the suffix), cut it and end it with a hash of the whole name — reported, or refused
    /// under `naming(strict = true)`; refuse what stays too short or starts wrongly.
    fn fit(
        &self,
        kind: ResourceKind,
        raw: &str,
        reserved: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<String, Diagnostic> {
        let rule = kind.rule();
        let budget = rule.max - reserved;
        let clean = sanitize(raw, rule.charset);
        let base = if clean.len() > budget {
            let short = shorten(&clean, budget, rule.charset);
            if self.strict {
                let room = if reserved > 0 {
                    format!("the {budget} of {} left next to the unique suffix", rule.max)
                } else {
                    format!("{budget}")
                };
                return Err(Diagnostic::new(
                    Code::IllegalName,
                    format!(
                        "the {} name `{clean}` has {} characters, more than {room}, and `naming(strict = true)` forbids shortening it",
                        kind.label(),
                        clean.len()
                    ),
                )
                .help("shorten `app`, the environment or the pattern"));
            }
            diagnostics.push(
                Diagnostic::new(
                    Code::NameShortened,
                    format!("the {} name `{clean}` was shortened to `{short}` to fit {budget} characters", kind.label()),
                )
                .help("shorten `app`, the environment or the pattern, or set `naming(strict = true)` to make this an error"),
            );
            short
        } else {
            clean
        };
        if base.len() + reserved.min(SUFFIX_LEN) < rule.min || base.is_empty() {
            return Err(Diagnostic::new(
                Code::IllegalName,
                format!(
                    "the {} name `{base}` (from `{raw}`) is shorter than {} characters",
                    kind.label(),
                    rule.min
                ),
            ));
        }
        if rule.starts_with_letter && !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(Diagnostic::new(
                Code::IllegalName,
                format!("the {} name `{base}` must start with a letter", kind.label()),
            )
            .help("start the naming pattern with `{type}`"));
        }
        Ok(base)
    }
}

/// Map `raw` onto `charset`: fold case where the type is lowercase-only, turn other characters
/// into `-` (or drop them where `-` is not allowed), collapse and trim separators.
pub fn sanitize(raw: &str, charset: Charset) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = match charset {
            Charset::LowerAlnum | Charset::LowerAlnumHyphen => c.to_ascii_lowercase(),
            _ => c,
        };
        let keep = c.is_ascii_alphanumeric() || (charset == Charset::AlnumHyphenUnderscore && c == '_');
        if keep {
            out.push(c);
        } else if charset != Charset::LowerAlnum && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches(['-', '_']).to_string()
}

/// Cut `name` to `budget` characters, ending in 4 characters of a hash of the whole name, so
/// that two names sharing a long prefix stay distinct.
fn shorten(name: &str, budget: usize, charset: Charset) -> String {
    let hash = &unique_string(&[name])[..4];
    let sep = if charset == Charset::LowerAlnum { "" } else { "-" };
    let keep = budget.saturating_sub(hash.len() + sep.len());
    let head = name[..keep].trim_end_matches(['-', '_']);
    format!("{head}{sep}{hash}")
}

/// ARM's `uniqueString(...)`: 13 characters of `[a-z2-7]` from a MurmurHash3-x86-128 variant
/// over the arguments joined with `-` (shared/azure-facts.md §8, with its test vectors).
pub fn unique_string(args: &[&str]) -> String {
    const C1: u32 = 0x239B_961B;
    const C2: u32 = 0xAB0E_9789;
    let data = args.join("-");
    let bytes = data.as_bytes();
    let (mut h1, mut h2) = (0u32, 0u32);
    let le = |b: &[u8]| b.iter().rev().fold(0u32, |acc, &x| (acc << 8) | u32::from(x));
    let blocks = bytes.len() / 8;
    for i in 0..blocks {
        let b = &bytes[i * 8..i * 8 + 8];
        let k1 = le(&b[..4]).wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561C_CD1B);
        let k2 = le(&b[4..]).wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0BCA_A747);
    }
    let tail = &bytes[blocks * 8..];
    if !tail.is_empty() {
        let first = &tail[..tail.len().min(4)];
        h1 ^= le(first).wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        if tail.len() > 4 {
            h2 ^= le(&tail[4..]).wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        }
    }
    let len = bytes.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let mut h = (u64::from(h2) << 32) | u64::from(h1);
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(h >> 59) as usize] as char);
        h <<= 5;
    }
    out
}

/// ARM's `guid(...)`: a name-based (version 5, SHA-1) UUID of the arguments joined with `-`,
/// in the namespace ARM uses (`11fb06fb-712d-4ddd-98c7-e71bbd588830`, as ports of its
/// expression engine do). Lowercase, hyphenated: the name of a role assignment.
pub fn arm_guid(args: &[&str]) -> String {
    const NAMESPACE: [u8; 16] = [
        0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
    ];
    let mut sha = sha1_smol::Sha1::new();
    sha.update(&NAMESPACE);
    sha.update(args.join("-").as_bytes());
    let mut b: [u8; 16] = sha.digest().bytes()[..16]
        .try_into()
        .expect("a SHA-1 digest has 20 bytes");
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn fmix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 13;
    x = x.wrapping_mul(0xC2B2_AE35);
    x ^= x >> 16;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_string_matches_arm() {
        // Real ARM / Bicep outputs (shared/azure-facts.md §8).
        let vectors: &[(&[&str], &str)] = &[
            (&["aaa"], "zavj67f3en4hc"),
            (&["bbb"], "w5eragfxe33cy"),
            (&["zzz"], "cryksdzzzawae"),
            (&["xxx", "yyy", "zzz"], "lghi7k5js7itq"),
            (&["test"], "rbgf3xv4ufgzg"),
            (&["hello", "world"], "a7wkljktk6wne"),
            (&["abc"], "cgtzqvhu4i23s"),
            (
                &["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"],
                "bmg7c6xu4tw46",
            ),
            (&["foo", "bar", "baz"], "xzi4ioaxtmth4"),
            (
                &["/subscriptions/00000000-0000-0000-0000-000000000000", "resource-id"],
                "cwvxuqg24sifi",
            ),
        ];
        for (args, want) in vectors {
            assert_eq!(unique_string(args), *want, "uniqueString({args:?})");
        }
    }

    fn namer<'a>(app: &'a str, env: &'a str) -> Namer<'a> {
        Namer {
            pattern: "{type}-{app}-{env}-{purpose}",
            app,
            env,
            backend: "b",
            region: "eastus",
            unique_suffix: true,
            strict: false,
        }
    }

    #[test]
    fn storage_names_are_lowercase_alnum_with_room_for_suffix() {
        let mut d = vec![];
        let n = namer("shop", "prod")
            .name(ResourceKind::StorageAccount, "", &mut d)
            .unwrap();
        assert_eq!(n.to_string(), "stshopprod{suffix}");
        assert!(d.is_empty());
        let n = namer("shop", "production-eastus-blue")
            .name(ResourceKind::StorageAccount, "", &mut d)
            .unwrap();
        assert_eq!(n.base.len(), 24 - SUFFIX_LEN);
        assert!(
            n.base.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{}",
            n.base
        );
        assert_eq!(d[0].code, Code::NameShortened);
    }

    #[test]
    fn shortening_keeps_distinct_inputs_distinct() {
        let mut d = vec![];
        let a = namer("averyveryverylongapp", "staging-one")
            .name(ResourceKind::StorageAccount, "", &mut d)
            .unwrap();
        let b = namer("averyveryverylongapp", "staging-two")
            .name(ResourceKind::StorageAccount, "", &mut d)
            .unwrap();
        assert_ne!(a, b);
        let mut strict = namer("averyveryverylongapp", "staging-one");
        strict.strict = true;
        assert_eq!(
            strict.name(ResourceKind::StorageAccount, "", &mut d).unwrap_err().code,
            Code::IllegalName
        );
    }

    #[test]
    fn empty_purpose_collapses() {
        let mut d = vec![];
        let n = namer("shop", "dev")
            .name(ResourceKind::CosmosAccount, "", &mut d)
            .unwrap();
        assert_eq!(n.to_string(), "cosno-shop-dev-{suffix}");
        let n = namer("shop", "dev")
            .name(ResourceKind::AppServicePlan, "order_processor", &mut d)
            .unwrap();
        assert_eq!(n.to_string(), "asp-shop-dev-order-processor");
    }
}
