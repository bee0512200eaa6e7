//! Monitoring: the Log Analytics workspace and Application Insights, the alerts on the apps,
//! availability tests of the CRUD APIs' health checks, and the autoscale utilization alert.

use super::context::Resolver;
use crate::diag::{Code, Diagnostic};
use crate::naming::ResourceKind;
use crate::plan::{
    ActionGroup, Alerts, AppAlerts, AutoscaleAlert, AvailabilityTest, CosmosAccount, DeclaredBy, FunctionApp,
    Monitoring,
};
use crate::rules;
use crate::spec::kebab_case;

/// Application Insights availability-test locations, in the order tests use them.
pub const TEST_LOCATIONS: [&str; 16] = [
    "us-va-ash-azr",
    "us-tx-sn1-azr",
    "us-il-ch1-azr",
    "us-ca-sjc-azr",
    "us-fl-mia-edge",
    "emea-nl-ams-azr",
    "emea-gb-db3-azr",
    "emea-ru-msa-edge",
    "emea-fr-pra-edge",
    "emea-ch-zrh-edge",
    "emea-se-sto-edge",
    "apac-sg-sin-azr",
    "apac-hk-hkn-azr",
    "apac-jp-kaw-edge",
    "latam-br-gru-edge",
    "emea-au-syd-edge",
];

pub(crate) fn workspace(r: &mut Resolver) -> Option<Monitoring> {
    let m = r.spec.monitoring.as_ref()?;
    let by = r.by_backend();
    let (workspace, _) = r.name(ResourceKind::LogAnalytics, "", None, by.clone());
    let (insights, insights_id) = r.name(ResourceKind::AppInsights, "", None, by);
    Some(Monitoring {
        workspace,
        insights,
        insights_id,
        retention_days: m.retention_days,
        sampling_percentage: m.sampling_percentage,
    })
}

pub(crate) fn alerts(r: &mut Resolver, apps: &[FunctionApp]) -> Option<Alerts> {
    let a = r.spec.monitoring.as_ref()?.alerting.as_ref()?;
    let by = r.by_backend();
    let action_group = match &a.email {
        Some(email) => Some(ActionGroup {
            name: r.name(ResourceKind::ActionGroup, "", None, by.clone()).0,
            // A display label (at most 12 characters), not an identity: cutting it cannot collide.
            short_name: r
                .spec
                .app
                .chars()
                .take(12)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string(),
            email: email.to_string(),
        }),
        None => None,
    };
    let per_app = apps
        .iter()
        .map(|app| AppAlerts {
            app_key: app.key.clone(),
            errors: r
                .name(
                    ResourceKind::ScheduledQueryRule,
                    &format!("{}-http5xx", app.key),
                    None,
                    by.clone(),
                )
                .0,
            latency: r
                .name(
                    ResourceKind::MetricAlert,
                    &format!("{}-latency", app.key),
                    None,
                    by.clone(),
                )
                .0,
        })
        .collect();
    Some(Alerts {
        action_group,
        error_threshold: a.error_threshold,
        latency_threshold_ms: a.latency_threshold_ms,
        per_app,
    })
}

pub(crate) fn availability_tests(r: &mut Resolver) -> Vec<AvailabilityTest> {
    let mut out = Vec::new();
    for (i, component) in r.spec.components.iter().enumerate() {
        let crate::spec::ComponentSpec::CrudApi { field, api } = component else {
            continue;
        };
        let Some(h) = &api.health_check else { continue };
        let needs_monitoring = rules::health_check_needs_monitoring(r.spec, i);
        if needs_monitoring.is_some() {
            r.finding(needs_monitoring);
            continue;
        }
        let by = DeclaredBy::Component {
            field: field.to_string(),
            type_name: None,
        };
        out.push(AvailabilityTest {
            component: field.to_string(),
            name: r
                .name(ResourceKind::AvailabilityTest, &kebab_case(field), None, by.clone())
                .0,
            // The health path is served at the root of the API app (see `contract`).
            path: h.path.to_string(),
            frequency: match h.interval {
                0..=300 => 300,
                301..=600 => 600,
                _ => 900,
            },
            // Standard tests time out after 30, 60, 90 or 120 s: the declared timeout, rounded up.
            timeout: match h.timeout {
                0..=30 => 30,
                31..=60 => 60,
                61..=90 => 90,
                _ => 120,
            },
            locations: TEST_LOCATIONS[..(h.unhealthy_threshold as usize).clamp(5, TEST_LOCATIONS.len())].to_vec(),
            failed_locations: h.unhealthy_threshold,
            alert: r
                .name(
                    ResourceKind::MetricAlert,
                    &format!("{}-availability", kebab_case(field)),
                    None,
                    by,
                )
                .0,
        });
    }
    out
}

pub(crate) fn autoscale_alert(r: &mut Resolver, accounts: &[CosmosAccount]) -> Option<AutoscaleAlert> {
    let a = r.spec.auto_scale.as_ref()?;
    if !accounts.iter().any(|acc| !acc.serverless) {
        r.report(
            Diagnostic::new(
                Code::AutoScaleUnused,
                format!(
                    "`auto_scale` on backend `{}` has no provisioned database to scale",
                    r.spec.type_name
                ),
            )
            .help("its entities are serverless (or it has none): remove `auto_scale`"),
        );
        return None;
    }
    let by = r.by_backend();
    let per_account = accounts
        .iter()
        .enumerate()
        .filter(|(_, acc)| !acc.serverless)
        .map(|(i, _)| {
            (
                i,
                r.name(ResourceKind::MetricAlert, "ru-consumption", None, by.clone()).0,
            )
        })
        .collect();
    Some(AutoscaleAlert {
        target_utilization: a.target_utilization,
        per_account,
    })
}
