use atakora::testing::{app_setting as setting, resource as one, resources as of_type};
use atakora_example_monitoring::MonitoredBackend;
use serde_json::json;

#[test]
fn monitoring_and_alerting_are_deployed() {
    let t = MonitoredBackend::plan("prod").unwrap().to_arm();
    assert_eq!(
        one(&t, "Microsoft.OperationalInsights/workspaces")["properties"]["retentionInDays"],
        json!(90)
    );
    let appi = one(&t, "Microsoft.Insights/components");
    assert_eq!(appi["properties"]["SamplingPercentage"], json!(100.0));
    assert_eq!(appi["properties"]["DisableLocalAuth"], json!(true));
    let group = one(&t, "Microsoft.Insights/actionGroups");
    assert_eq!(group["location"], "global");
    assert_eq!(
        group["properties"]["emailReceivers"][0]["emailAddress"],
        "ops@example.com"
    );
    let alerts = of_type(&t, "Microsoft.Insights/metricAlerts");
    let criterion = |metric: &str| {
        alerts
            .iter()
            .map(|a| &a["properties"]["criteria"]["allOf"][0])
            .find(|c| c["metricName"] == metric)
            .unwrap()
            .clone()
    };
    assert_eq!(criterion("Http5xx")["threshold"], json!(5));
    assert_eq!(criterion("Http5xx")["timeAggregation"], "Total");
    assert_eq!(
        criterion("HttpResponseTime")["threshold"],
        json!(1),
        "1000 ms is 1 second"
    );
    let site = one(&t, "Microsoft.Web/sites");
    assert_eq!(
        setting(site, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"),
        Some(&json!("Authorization=AAD"))
    );
    assert!(MonitoredBackend::plan("prod").unwrap().validate().warnings.is_empty());
}
