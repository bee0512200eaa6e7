//! The manifest lists every resource the template emits, children included, with its final
//! name: the template's names are evaluated as ARM would for a resource group, and compared
//! with the plan's record (which the manifest lists row by row).

use atakora::naming::suffix_for;
use atakora_tests::{arm_eval, example_plans};
use std::collections::BTreeSet;

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-manifest";

/// `(type, full final name)` of every record of `plan`.
fn recorded(plan: &atakora_core::Plan) -> Vec<(String, String)> {
    let suffix = suffix_for(RG);
    // The evaluator's stand-in for a principal id known once the identity is deployed.
    let name = |id| plan.final_name_with(id, RG, &suffix, &mut |identity| format!("principal({identity})"));
    let full = |mut id: usize| {
        let mut parts = vec![name(id)];
        while let Some(p) = plan.named[id].parent {
            parts.push(name(p));
            id = p;
        }
        parts.reverse();
        parts.join("/")
    };
    plan.named
        .iter()
        .enumerate()
        .map(|(i, r)| (r.kind.arm_type().to_string(), full(i)))
        .collect()
}

/// What the template emits that the record lacks, and what the record has that the template
/// does not emit.
fn differences(template: &serde_json::Value, plan: &atakora_core::Plan) -> (Vec<String>, Vec<String>) {
    let emitted: BTreeSet<(String, String)> = arm_eval::deployed_names(template, RG).into_iter().collect();
    let record: BTreeSet<(String, String)> = recorded(plan).into_iter().collect();
    let show = |s: &BTreeSet<(String, String)>, o: &BTreeSet<(String, String)>| {
        s.difference(o).map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>()
    };
    (show(&emitted, &record), show(&record, &emitted))
}

#[test]
fn every_emitted_resource_is_in_the_manifest_with_its_final_name() {
    let (mut plans, mut resources) = (0, 0);
    let mut kinds = BTreeSet::new();
    for plan in example_plans() {
        let model = plan.model();
        let template = plan.to_arm();
        let emitted = arm_eval::deployed_names(&template, RG);
        let inline_subnets = emitted
            .iter()
            .filter(|(t, _)| t.ends_with("virtualNetworks/subnets"))
            .count();
        let nested: usize = template["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"] == "Microsoft.Resources/deployments")
            .map(|r| r["properties"]["template"]["resources"].as_array().unwrap().len())
            .sum();
        assert_eq!(
            (emitted.len() - inline_subnets - nested) as u64,
            plan.manifest()["templateResources"].as_u64().unwrap(),
            "the evaluator walks every resource"
        );
        let (unrecorded, unemitted) = differences(&template, model);
        let at = format!("{}/{}", plan.backend_id(), plan.environment());
        assert!(
            unrecorded.is_empty(),
            "{at}: emitted but not in the manifest: {unrecorded:#?}"
        );
        assert!(
            unemitted.is_empty(),
            "{at}: in the manifest but not emitted: {unemitted:#?}"
        );
        // The manifest is the record, row for row.
        let rows = plan.manifest()["resources"].as_array().unwrap().clone();
        assert_eq!(rows.len(), model.named.len(), "{at}: one manifest row per resource");
        for r in &model.named {
            assert!(
                rows.iter()
                    .any(|row| row["type"] == r.kind.arm_type() && row["name"] == r.name.to_string()),
                "{at}: no manifest row for {} {}",
                r.kind.arm_type(),
                r.name
            );
            kinds.insert(r.kind);
        }
        plans += 1;
        resources += emitted.len();
    }
    eprintln!(
        "manifest completeness: {plans} plans, {resources} emitted resources, every one in its manifest, {} kinds",
        kinds.len()
    );
    assert_eq!(
        kinds.len(),
        atakora::naming::ResourceKind::ALL.len(),
        "the examples reach every kind of resource"
    );
}

#[test]
fn a_resource_missing_from_the_record_is_found() {
    let plan = example_plans()
        .into_iter()
        .find(|p| p.backend_id() == "api-backend")
        .unwrap();
    let template = plan.to_arm();
    let mut model = plan.model().clone();
    // Drop the last record (a leaf: nothing refers to it as a parent).
    let dropped = model.named.pop().unwrap();
    let (unrecorded, _) = differences(&template, &model);
    assert_eq!(unrecorded.len(), 1, "{unrecorded:?}");
    assert!(unrecorded[0].starts_with(dropped.kind.arm_type()), "{unrecorded:?}");
}
