//! How the runtime proves who it is to Azure services (features `cosmos` and
//! `storage-queues`): the app's user-assigned managed identity in Azure, the developer's own
//! sign-in elsewhere; and the key-based connection strings of `managed_identity = false`
//! backends. One copy for the Cosmos DB store, the Redis cache and the storage queues.

use std::sync::Arc;

/// The managed identity in Azure (user-assigned: `client_id`, else `AZURE_CLIENT_ID` when
/// set), else the developer's own sign-in (Azure CLI / azd).
pub(crate) fn credential(client_id: Option<&str>) -> Result<Arc<dyn azure_core::credentials::TokenCredential>, String> {
    // App Service and Functions publish their identity endpoint in these variables.
    let in_azure = std::env::var_os("IDENTITY_ENDPOINT").is_some() || std::env::var_os("MSI_ENDPOINT").is_some();
    if in_azure {
        let id = client_id
            .map(str::to_string)
            .or_else(|| std::env::var("AZURE_CLIENT_ID").ok())
            .filter(|v| !v.is_empty());
        let options = id.map(|id| azure_identity::ManagedIdentityCredentialOptions {
            user_assigned_id: Some(azure_identity::UserAssignedId::ClientId(id)),
            ..Default::default()
        });
        Ok(azure_identity::ManagedIdentityCredential::new(options).map_err(|e| e.to_string())?)
    } else {
        Ok(azure_identity::DeveloperToolsCredential::new(None).map_err(|e| e.to_string())?)
    }
}

/// The value of `key` (case-insensitive) in an Azure connection string
/// (`Key1=value1;Key2=value2`); values may contain `=` (base64 keys end in it).
pub(crate) fn connection_string_part(connection: &str, key: &str) -> Option<String> {
    connection.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::connection_string_part;

    #[test]
    fn connection_string_parts_keep_their_padding_and_ignore_key_case() {
        let cs = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5==;EndpointSuffix=core.windows.net";
        assert_eq!(connection_string_part(cs, "AccountKey").as_deref(), Some("a2V5=="));
        assert_eq!(connection_string_part(cs, "accountname").as_deref(), Some("acct"));
        assert_eq!(connection_string_part(cs, "QueueEndpoint"), None);
        assert_eq!(
            connection_string_part("AccountEndpoint=https://a:443/;", "AccountEndpoint").as_deref(),
            Some("https://a:443/")
        );
    }
}
