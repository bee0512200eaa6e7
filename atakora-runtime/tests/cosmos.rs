//! The conformance suite against Cosmos DB protocol servers that run on this machine:
//! - the SDK's in-process emulator (feature `cosmos-emulator`): the whole SDK pipeline, no
//!   network;
//! - `@vercel/cosmosdb-server` on loopback (feature `cosmos`), started by
//!   `.ci/services.sh` and found through `ATAKORA_COSMOS_SERVER` (its endpoint). Under CI
//!   (`CI` or `ATAKORA_REQUIRE_SERVICES` set) a missing server fails the test; on a developer
//!   machine it is skipped with a message.
//!
//! Each server's known gaps are listed next to its run, with the reason; a listed gap still
//! runs and must fail (the suite reports a gap that passes as a failure).
#![cfg(feature = "cosmos")]

use atakora_runtime::conformance::{self, CHECKS, Outcome};
use atakora_runtime::store::cosmos::CosmosStore;

fn report(store: &str, r: &conformance::Report) {
    eprint!("{}", r.table(store));
    assert!(r.failures().is_empty(), "{store}: {:#?}", r.failures());
    let ttl = CHECKS.iter().filter(|c| c.starts_with("ttl_")).count();
    assert!(
        r.results.iter().all(|(n, o)| !n.starts_with("ttl_") || *o == Outcome::NeedsClock),
        "the TTL checks need a controllable clock: a server on real time cannot run them"
    );
    assert_eq!(r.counts().2, ttl);
}

/// A run id, so runs against a long-lived server never meet old containers.
fn run_prefix() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    format!("r{t}-")
}

#[cfg(feature = "cosmos-emulator")]
mod emulator {
    use super::*;
    use azure_core::credentials::Secret;
    use azure_core::http::Url;
    use azure_data_cosmos::options::Region;
    use azure_data_cosmos::{AccountEndpoint, AccountReference, CosmosClientBuilder, CosmosRuntimeBuilder, RoutingStrategy};
    use azure_data_cosmos_driver::in_memory_emulator::{ConsistencyLevel, InMemoryEmulatorHttpClient, VirtualAccountConfig, VirtualRegion};

    const GATEWAY: &str = "https://eastus.emulator.local";

    /// The SDK's in-process emulator's gaps.
    const GAPS: &[(&str, &str)] = &[];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_process_emulator_conforms() {
        let config = VirtualAccountConfig::new(vec![VirtualRegion::new("East US", Url::parse(GATEWAY).unwrap())])
            .unwrap()
            .with_consistency(ConsistencyLevel::Session);
        let emulator = std::sync::Arc::new(InMemoryEmulatorHttpClient::new(config));
        let account = AccountReference::with_authentication_key(
            GATEWAY.parse::<AccountEndpoint>().unwrap(),
            Secret::new("dGVzdGtleQ=="),
        );
        let client = CosmosClientBuilder::new()
            .with_runtime(CosmosRuntimeBuilder::from(emulator.runtime_builder()).build().await.unwrap())
            .build(account, RoutingStrategy::ProximityTo(Region::EAST_US))
            .await
            .unwrap();
        let prefix = run_prefix();
        let store = CosmosStore::with_client(client, "conformance", &conformance::containers(&prefix));
        let r = conformance::run(&store, None, GAPS, &prefix).await;
        report("emulator", &r);
    }
}
