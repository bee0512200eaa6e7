use atakora::naming::ResourceKind;
use atakora_example_naming::NamedBackend;

#[test]
fn every_name_carries_type_app_and_environment() {
    for env in ["dev", "staging", "prod"] {
        let plan = NamedBackend::plan(env).unwrap();
        let rg = format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-myapp-{env}");
        let names = plan.model().final_names(&rg);
        let suffix = atakora::naming::suffix_for(&rg);
        let name = |k: ResourceKind| {
            names
                .iter()
                .filter(|(kind, _)| *kind == k)
                .map(|(_, n)| n.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(name(ResourceKind::StorageAccount), [format!("stmyapp{env}{suffix}")]);
        assert_eq!(
            name(ResourceKind::CosmosAccount),
            [format!("cosno-myapp-{env}-{suffix}")]
        );
        assert_eq!(
            name(ResourceKind::FunctionApp),
            [
                format!("func-myapp-{env}-api-{suffix}"),
                format!("func-myapp-{env}-thumbnailer-{suffix}")
            ]
        );
        assert_eq!(
            name(ResourceKind::AppServicePlan),
            [format!("asp-myapp-{env}-api"), format!("asp-myapp-{env}-thumbnailer")]
        );
        assert_eq!(name(ResourceKind::LogAnalytics), [format!("log-myapp-{env}")]);
        let model = plan.model();
        for (id, r) in model.named_resources().iter().enumerate() {
            // Role assignments are named from principal ids, known once deployed.
            let Some(n) = model.final_name(id, &rg, &suffix) else {
                continue;
            };
            let (kind, n) = (&r.kind, &n);
            kind.check_final(n)
                .unwrap_or_else(|e| panic!("{} `{n}`: {e}", kind.label()));
            // Every name made from the pattern (the purpose is what the pattern fills in);
            // databases, containers and names Azure fixes are not.
            let from_pattern = !kind.rule().abbr.is_empty() && *kind != ResourceKind::CosmosDatabase;
            if from_pattern {
                assert!(n.contains(env), "{n} names its environment ({r:?})");
            }
        }
    }
}
