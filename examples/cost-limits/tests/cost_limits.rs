use atakora::testing::{resource as one, resources as of_type};
use atakora_example_cost_limits::LimitedCostBackend;
use serde_json::json;

#[test]
fn serverless_within_limits_and_tagged_for_cost() {
    let plan = LimitedCostBackend::plan("dev").unwrap();
    let t = plan.to_arm();
    let account = one(&t, "Microsoft.DocumentDB/databaseAccounts");
    assert_eq!(
        account["properties"]["capabilities"],
        json!([{ "name": "EnableServerless" }])
    );
    for r in of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases")
        .iter()
        .chain(&of_type(
            &t,
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        ))
    {
        assert!(
            r["properties"].get("options").is_none(),
            "serverless: no throughput anywhere"
        );
    }
    assert_eq!(of_type(&t, "Microsoft.Web/sites").len(), 1);
    assert_eq!(account["tags"]["budget"], "monitored");
    assert_eq!(account["tags"]["cost_center"], "engineering");
    assert_eq!(plan.model().spec.limits.max_throughput_per_database, Some(10000));
    assert!(plan.validate().is_ok());
}
