use atakora::testing::resource as one;
use atakora_example_autoscale::AutoscaledBackend;
use serde_json::json;

#[test]
fn the_database_autoscales_and_utilization_is_alerted_on() {
    let t = AutoscaledBackend::plan("prod").unwrap().to_arm();
    let db = one(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
    assert_eq!(
        db["properties"]["options"],
        json!({ "autoscaleSettings": { "maxThroughput": 10000 } })
    );
    let alert = one(&t, "Microsoft.Insights/metricAlerts");
    let c = &alert["properties"]["criteria"]["allOf"][0];
    assert_eq!(c["metricName"], "NormalizedRUConsumption");
    assert_eq!(c["threshold"], json!(70));
    assert_eq!(c["timeAggregation"], "Maximum");
}
