use atakora::testing::{resource as one, resources as of_type};
use atakora_example_health_checks::HealthCheckedBackend;
use serde_json::json;

#[test]
fn the_health_path_is_probed_and_alerted_on() {
    let t = HealthCheckedBackend::plan("prod").unwrap().to_arm();
    let test = one(&t, "Microsoft.Insights/webtests");
    assert_eq!(test["kind"], "standard");
    assert_eq!(
        test["properties"]["Frequency"],
        json!(300),
        "30 s is rounded up to the shortest test frequency"
    );
    assert_eq!(
        test["properties"]["Timeout"],
        json!(30),
        "10 s is rounded up to the shortest test timeout"
    );
    assert_eq!(test["properties"]["Locations"].as_array().unwrap().len(), 5);
    assert!(
        test["properties"]["Request"]["RequestUrl"]
            .as_str()
            .unwrap()
            .starts_with("[format('https://{0}/health'")
    );
    assert!(
        test["tags"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.contains("hidden-link:"))
    );
    let alert = of_type(&t, "Microsoft.Insights/metricAlerts")
        .into_iter()
        .find(|a| {
            a["properties"]["criteria"]["odata.type"] == "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"
        })
        .unwrap();
    assert_eq!(alert["properties"]["criteria"]["failedLocationCount"], json!(3));
    assert_eq!(alert["properties"]["actions"].as_array().unwrap().len(), 1);
    let site = one(&t, "Microsoft.Web/sites");
    let skips = site["metadata"]["checkov"].to_string();
    assert!(
        skips.contains("CKV_AZURE_213") && skips.contains("availability test"),
        "{skips}"
    );
}
