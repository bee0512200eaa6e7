use atakora::testing::{app_setting as setting, resource as one, resources as of_type};
use atakora_example_least_privilege::LeastPrivilegeBackend;
use serde_json::json;

#[test]
fn roles_are_scoped_per_container_and_read_only_means_reader() {
    let plan = LeastPrivilegeBackend::plan("prod").unwrap();
    let t = plan.to_arm();
    let containers: Vec<&str> = of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
        .iter()
        .map(|c| c["properties"]["resource"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(containers, ["data", "reports"], "the shared container is deployed once");
    let roles: Vec<(String, String)> =
        atakora::testing::all_resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .iter()
            .map(|r| {
                (
                    r["properties"]["scope"].as_str().unwrap().to_string(),
                    r["properties"]["roleDefinitionId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    assert_eq!(roles.len(), 2);
    assert!(
        roles[0].0.ends_with("'data')]") && roles[0].1.contains("-000000000002'"),
        "admin API: contributor on data"
    );
    assert!(
        roles[1].0.ends_with("'reports')]") && roles[1].1.contains("-000000000001'"),
        "read-only API: reader on reports"
    );
    let site = one(&t, "Microsoft.Web/sites");
    assert_eq!(
        setting(site, "ATAKORA_CONTAINER_READ_ONLY_API"),
        Some(&json!("privileges/data"))
    );
    assert_eq!(
        setting(site, "ATAKORA_CONTAINER_ADMIN_API"),
        Some(&json!("privileges/data"))
    );
    assert!(plan.validate().is_ok());
}
