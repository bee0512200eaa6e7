use atakora::testing::{app_setting as setting, resource as one, resources as of_type};
use atakora_example_keys_in_key_vault::LegacyKeysBackend;
use serde_json::json;

#[test]
fn keys_live_in_key_vault_and_the_choice_is_warned() {
    let plan = LegacyKeysBackend::plan("prod").unwrap();
    let warnings: Vec<&str> = plan
        .validate()
        .warnings
        .iter()
        .map(|d| d.code.as_str())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert!(warnings.contains(&"ATK0907"), "{warnings:?}");
    let t = plan.to_arm();
    let vault = one(&t, "Microsoft.KeyVault/vaults");
    assert_eq!(vault["properties"]["enableSoftDelete"], json!(true));
    assert_eq!(vault["properties"]["enablePurgeProtection"], json!(true));
    let secrets = of_type(&t, "Microsoft.KeyVault/vaults/secrets");
    assert_eq!(secrets.len(), 2);
    for s in &secrets {
        assert!(
            s["properties"]["attributes"]["exp"]
                .as_str()
                .unwrap()
                .contains("secretsExpireAt")
        );
        assert!(s["properties"]["contentType"].is_string());
    }
    let site = one(&t, "Microsoft.Web/sites");
    for name in ["AzureWebJobsStorage", "COSMOS", "DEPLOYMENT_STORAGE_CONNECTION_STRING"] {
        assert!(
            setting(site, name)
                .unwrap()
                .as_str()
                .unwrap()
                .starts_with("[format('@Microsoft.KeyVault("),
            "{name}"
        );
    }
    // Keys appear only inside the vault's secrets, never in settings.
    for r in t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] != "Microsoft.KeyVault/vaults/secrets")
    {
        assert!(!r.to_string().contains("listKeys("), "{}", r["type"]);
    }
    let roles: Vec<&str> = atakora::testing::all_resources(&t, "Microsoft.Authorization/roleAssignments")
        .iter()
        .map(|r| r["properties"]["roleDefinitionId"].as_str().unwrap())
        .collect();
    assert!(
        roles.iter().any(|r| r.contains("4633458b-17de-408a-b874-0445c86b69e6")),
        "Key Vault Secrets User"
    );
}
