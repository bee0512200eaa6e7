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
    // Server errors: more than 5 responses of 500 or above in 5 minutes, from the requests
    // Application Insights records for the app (Flex publishes no Http5xx metric).
    let errors = one(&t, "Microsoft.Insights/scheduledQueryRules");
    let c = &errors["properties"]["criteria"]["allOf"][0];
    assert_eq!(c["threshold"], json!(5));
    assert!(c["query"].as_str().unwrap().contains("toint(resultCode) >= 500"));
    // Latency: the average request duration above 1000 ms.
    let latency = &of_type(&t, "Microsoft.Insights/metricAlerts")[0]["properties"]["criteria"]["allOf"][0];
    assert_eq!(latency["metricName"], "requests/duration");
    assert_eq!(latency["threshold"], json!(1000));
    let site = one(&t, "Microsoft.Web/sites");
    assert!(
        setting(site, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")
            .unwrap()
            .as_str()
            .unwrap()
            .contains("Authorization=AAD"),
        "telemetry with the app's identity"
    );
    assert!(MonitoredBackend::plan("prod").unwrap().validate().warnings.is_empty());
}
