use atakora::testing::{app_setting as setting, resource as one};
use atakora_example_cached_catalog::CachedCatalogBackend;
use serde_json::json;

#[test]
fn the_catalogue_is_cached_in_managed_redis_with_entra_access() {
    for (env, ha) in [("dev", "Disabled"), ("prod", "Enabled")] {
        let t = CachedCatalogBackend::plan(env).unwrap().to_arm();
        let redis = one(&t, "Microsoft.Cache/redisEnterprise");
        assert_eq!(redis["sku"]["name"], "Balanced_B0");
        assert_eq!(redis["properties"]["minimumTlsVersion"], "1.2");
        assert_eq!(redis["properties"]["highAvailability"], ha);
        let db = one(&t, "Microsoft.Cache/redisEnterprise/databases");
        assert_eq!(db["properties"]["clientProtocol"], "Encrypted");
        assert_eq!(db["properties"]["accessKeysAuthentication"], "Disabled");
        let access = one(&t, "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");
        assert!(
            access["properties"]["user"]["objectId"]
                .as_str()
                .unwrap()
                .ends_with("').principalId]"),
            "the app's user-assigned identity"
        );
        let site = one(&t, "Microsoft.Web/sites");
        assert_eq!(setting(site, "ATAKORA_CACHE_TTL_ITEMS"), Some(&json!("300")));
        assert!(
            setting(site, "CACHE__endpoint")
                .unwrap()
                .as_str()
                .unwrap()
                .contains(":10000")
        );
    }
}
