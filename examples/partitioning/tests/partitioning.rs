use atakora::testing::resources as of_type;
use atakora_example_partitioning::PartitioningBackend;
use serde_json::json;

#[test]
fn partition_keys_follow_the_access_patterns() {
    let t = PartitioningBackend::plan("prod").unwrap().to_arm();
    let key = |name: &str| {
        of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .into_iter()
            .find(|c| c["properties"]["resource"]["id"] == name)
            .map(|c| c["properties"]["resource"]["partitionKey"].clone())
            .unwrap()
    };
    assert_eq!(
        key("tenant-documents"),
        json!({ "paths": ["/tenantId"], "kind": "Hash", "version": 2 })
    );
    assert_eq!(
        key("user-orders"),
        json!({ "paths": ["/userId"], "kind": "Hash", "version": 2 })
    );
    assert_eq!(
        key("activity-events"),
        json!({ "paths": ["/tenantId", "/userId"], "kind": "MultiHash", "version": 2 })
    );
}
