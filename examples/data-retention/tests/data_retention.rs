use atakora::testing::resources as of_type;
use atakora_example_data_retention::RetentionBackend;
use serde_json::json;

#[test]
fn sessions_live_a_day_and_audit_logs_ninety_days() {
    for env in ["dev", "prod"] {
        let t = RetentionBackend::plan(env).unwrap().to_arm();
        let ttl = |name: &str| {
            of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
                .into_iter()
                .find(|c| c["properties"]["resource"]["id"] == name)
                .map(|c| c["properties"]["resource"]["defaultTtl"].clone())
                .unwrap()
        };
        assert_eq!(ttl("sessions"), json!(86400));
        assert_eq!(ttl("audit-logs"), json!(90 * 24 * 3600));
    }
}
