//! How the apps authenticate: Entra ID identities (the default), or — with
//! `managed_identity = false` — keys kept as Key Vault secrets.

use super::context::Resolver;
use crate::diag::{Code, Diagnostic};
use crate::naming::ResourceKind;
use crate::plan::{AccountRole, Auth, CosmosAccount, KeyVault, Secret, SecretOf};

pub(crate) fn resolve(r: &mut Resolver, accounts: &[CosmosAccount]) -> Auth {
    if r.spec.managed_identity {
        return Auth::ManagedIdentity;
    }
    r.report(
        Diagnostic::new(
            Code::IdentityOff,
            "`managed_identity = false`: the apps authenticate to storage and Cosmos DB with keys, kept in Key Vault and read through Key Vault references",
        )
        .help("keys can leak and must be rotated; remove `managed_identity = false` to use Entra ID identities"),
    );
    let by = r.by_backend();
    let (name, id) = r.name(ResourceKind::KeyVault, "", None, by.clone());
    let mut secrets = vec![Secret {
        name: "storage-connection".into(),
        of: SecretOf::Storage,
    }];
    secrets.extend(accounts.iter().enumerate().map(|(i, a)| Secret {
        name: match a.role {
            AccountRole::Primary => format!("{}-connection", a.numbered("cosmos", "-")),
            AccountRole::SplitServerless => format!("{}-connection", a.numbered("cosmos-serverless", "-")),
        },
        of: SecretOf::Cosmos(i),
    }));
    for s in &secrets {
        r.literal(ResourceKind::KeyVaultSecret, &s.name, Some(id), by.clone());
    }
    Auth::KeysInVault(KeyVault { name, id, secrets })
}
