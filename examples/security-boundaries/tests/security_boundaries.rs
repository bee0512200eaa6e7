use atakora::testing::{resource as one, resources as of_type};
use atakora_example_security_boundaries::{InternalToolsBackend, PrivateRecordsBackend, PublicPortalBackend};
use serde_json::json;

#[test]
fn public_backend_keeps_public_endpoints_locked_to_entra_id() {
    let t = PublicPortalBackend::plan("prod").unwrap().to_arm();
    assert!(of_type(&t, "Microsoft.Network/virtualNetworks").is_empty());
    let cosmos = one(&t, "Microsoft.DocumentDB/databaseAccounts");
    assert_eq!(cosmos["properties"]["publicNetworkAccess"], "Enabled");
    assert_eq!(
        cosmos["properties"]["ipRules"],
        json!([{ "ipAddressOrRange": "0.0.0.0" }])
    );
    assert_eq!(cosmos["properties"]["disableLocalAuth"], json!(true));
    assert_eq!(cosmos["tags"]["security"], "public");
}

#[test]
fn private_backend_is_isolated_with_private_endpoints() {
    let t = PrivateRecordsBackend::plan("prod").unwrap().to_arm();
    assert_eq!(t["variables"]["vnetName"], "internal-vnet");
    assert_eq!(t["variables"]["integrationSubnetName"], "backend-subnet");
    let vnet = one(&t, "Microsoft.Network/virtualNetworks");
    assert_eq!(
        vnet["properties"]["addressSpace"]["addressPrefixes"],
        json!(["10.40.0.0/16"])
    );
    assert_eq!(
        vnet["properties"]["subnets"][0]["properties"]["delegations"][0]["properties"]["serviceName"],
        "Microsoft.App/environments"
    );
    let groups: Vec<&str> = of_type(&t, "Microsoft.Network/privateEndpoints")
        .iter()
        .map(|p| {
            p["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(groups, ["Sql", "blob", "queue", "table"]);
    let zones: Vec<&str> = [
        "cosmosDnsZoneName",
        "blobDnsZoneName",
        "queueDnsZoneName",
        "tableDnsZoneName",
    ]
    .iter()
    .map(|k| t["variables"][*k].as_str().unwrap())
    .collect();
    assert_eq!(zones[0], "privatelink.documents.azure.com");
    assert!(zones[1].contains("privatelink.blob."));
    assert_eq!(
        one(&t, "Microsoft.DocumentDB/databaseAccounts")["properties"]["publicNetworkAccess"],
        "Disabled"
    );
    let storage = one(&t, "Microsoft.Storage/storageAccounts");
    assert_eq!(storage["properties"]["publicNetworkAccess"], "Disabled");
    assert_eq!(storage["properties"]["networkAcls"]["defaultAction"], "Deny");
    let site = one(&t, "Microsoft.Web/sites");
    assert!(
        site["properties"]["virtualNetworkSubnetId"]
            .as_str()
            .unwrap()
            .contains("integrationSubnetName")
    );
    assert_eq!(site["tags"]["data_classification"], "confidential");
    assert!(PrivateRecordsBackend::plan("prod").unwrap().validate().is_ok());
}

#[test]
fn service_endpoint_isolation_admits_only_the_integration_subnet() {
    let t = InternalToolsBackend::plan("prod").unwrap().to_arm();
    assert!(of_type(&t, "Microsoft.Network/privateEndpoints").is_empty());
    let vnet = one(&t, "Microsoft.Network/virtualNetworks");
    let integration = &vnet["properties"]["subnets"][0]["properties"];
    assert_eq!(
        integration["addressPrefix"], "10.50.0.0/25",
        "a /24 space is split in halves"
    );
    assert_eq!(
        vnet["properties"]["subnets"][1]["properties"]["addressPrefix"],
        "10.50.0.128/25"
    );
    let services: Vec<&str> = integration["serviceEndpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        ["Microsoft.AzureCosmosDB", "Microsoft.Storage", "Microsoft.KeyVault"]
    );
    let cosmos = one(&t, "Microsoft.DocumentDB/databaseAccounts");
    assert_eq!(cosmos["properties"]["isVirtualNetworkFilterEnabled"], json!(true));
    assert!(
        cosmos["properties"]["virtualNetworkRules"][0]["id"]
            .as_str()
            .unwrap()
            .contains("integrationSubnetName")
    );
    let storage = one(&t, "Microsoft.Storage/storageAccounts");
    assert_eq!(storage["properties"]["networkAcls"]["defaultAction"], "Deny");
    assert_eq!(
        storage["properties"]["allowSharedKeyAccess"],
        json!(true),
        "keys, as the backend asked"
    );
    let vault = one(&t, "Microsoft.KeyVault/vaults");
    assert_eq!(vault["properties"]["networkAcls"]["defaultAction"], "Deny");
    assert!(vault["properties"]["networkAcls"]["virtualNetworkRules"][0]["id"].is_string());
    one(&t, "Microsoft.Cache/redisEnterprise");
    one(&t, "Microsoft.Insights/webtests");
}
