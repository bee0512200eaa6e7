//! Warnings about choices that are allowed but worth a second look: HTTPS off, monitoring in
//! production, costly throughput outside production.

use super::context::Resolver;
use crate::diag::{Code, Diagnostic};
use crate::plan::CosmosAccount;

/// Dedicated RU/s above which a non-production environment is warned about cost (ATK0908).
pub const COSTLY_DEV_RUS: u32 = 4000;

/// Rule (ATK0904): plain HTTP is allowed only when asked for, and said.
pub(crate) fn https(r: &mut Resolver) {
    if !r.spec.enforce_https {
        r.report(
            Diagnostic::new(
                Code::HttpsOff,
                "`enforce_https = false`: the Function Apps accept plain HTTP",
            )
            .help("remove `enforce_https = false` unless a gateway in front terminates TLS"),
        );
    }
}

/// Rules (ATK0920, ATK0607): an anonymous API is allowed only when asked for, and said; and
/// then no API of the backend asks for owners, tenants or roles.
pub(crate) fn auth(r: &mut Resolver) {
    if r.spec.auth.is_required() {
        return;
    }
    let has_crud = r
        .spec
        .components
        .iter()
        .any(|c| matches!(c, crate::spec::ComponentSpec::CrudApi { .. }));
    if has_crud {
        r.report(
            Diagnostic::new(
                Code::AnonymousApi,
                "`auth = \"anonymous\"`: anyone who reaches the CRUD APIs can read and write their data",
            )
            .help("remove `auth = \"anonymous\"` so that callers need Entra ID tokens, unless a gateway in front authenticates them")
            .about(crate::diag::Subject {
                option: Some("auth".into()),
                ..Default::default()
            }),
        );
    }
    for i in 0..r.spec.components.len() {
        let finding = crate::rules::isolation_needs_auth(r.spec, i);
        r.finding(finding);
    }
}

/// Rule (ATK0912): with several environments, names carry the environment, so that a
/// resource of one environment is never mistaken for (or deployed over) another's.
pub(crate) fn names_carry_environment(r: &mut Resolver) {
    let pattern = &r.spec.naming.pattern;
    if r.spec.environments.len() > 1 && !pattern.contains("{env}") {
        r.report(
            Diagnostic::new(
                Code::PatternWithoutEnvironment,
                format!(
                    "naming pattern `{pattern}` has no `{{env}}`: the {} environments give their resources the same names",
                    r.spec.environments.len()
                ),
            )
            .help("add `{env}` to the pattern (`{type}-{app}-{env}-{purpose}`), or deploy each environment to its own resource group and subscription")
            .about(crate::diag::Subject {
                option: Some("naming.pattern".into()),
                ..Default::default()
            }),
        );
    }
}

/// Rules (ATK0906, ATK0908): production keeps full telemetry; other environments avoid large
/// dedicated throughput.
pub(crate) fn tier(r: &mut Resolver, accounts: &[CosmosAccount]) {
    let env = r.env;
    if r.tier.is_production() {
        match &r.spec.monitoring {
            None => r.report(
                Diagnostic::new(
                    Code::ProductionMonitoring,
                    format!("monitoring is off in production environment `{env}`"),
                )
                .help("remove `monitoring = false`: without it failures in production go unseen"),
            ),
            Some(m) if m.sampling_percentage < 100.0 => r.report(
                Diagnostic::new(
                    Code::ProductionMonitoring,
                    format!(
                        "sampling keeps {}% of telemetry in production environment `{env}`",
                        m.sampling_percentage
                    ),
                )
                .help("keep 100% in production unless the volume forces sampling"),
            ),
            Some(_) => {}
        }
        return;
    }
    for c in accounts
        .iter()
        .flat_map(|a| a.databases.iter().flat_map(|d| &d.containers))
    {
        if let Some(t) = c.throughput
            && t.rus() > COSTLY_DEV_RUS
        {
            let field = c.component.clone();
            r.report_on(
                &field,
                "throughput",
                Diagnostic::new(
                    Code::CostlyDevThroughput,
                    format!(
                        "`{}` has {} RU/s in non-production environment `{env}`",
                        c.component,
                        t.rus()
                    ),
                )
                .help(format!(
                    "give `{env}` its own, smaller value: `throughput({env} = 400, ...)`"
                )),
            );
        }
    }
}
