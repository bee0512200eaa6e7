//! `cargo atakora graph`: each backend's architecture — its components, the shared resources
//! they become, the apps' identities and their roles, the network boundary — as Mermaid, DOT,
//! or a Markdown page that documents it (generated from the code, so it stays true).

use crate::app::App;
use crate::{Failure, GraphFormat, Result};
use atakora_core::plan::{AppRole, GrantScope, Name, NetworkPosture, ThroughputSetting};
use atakora_core::spec::ComponentSpec;
use std::fmt::Write;

/// A diagram: boxes (each in a group), and labelled edges.
#[derive(Debug, Default)]
pub struct Graph {
    /// The backend's id.
    pub id: String,
    /// The title.
    pub title: String,
    /// `(id, label)`, the outer group.
    pub groups: Vec<(String, String, Option<String>)>,
    /// `(id, label, group)`.
    pub nodes: Vec<(String, String, Option<String>)>,
    /// `(from, to, label)`.
    pub edges: Vec<(String, String, String)>,
}

fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The graph of one plan.
pub fn of(plan: &atakora::Plan) -> Graph {
    let m = plan.model();
    let mut g = Graph {
        id: ident(plan.backend_id()),
        title: format!("{} ({}, {})", m.backend_type, plan.backend_id(), plan.environment()),
        ..Graph::default()
    };
    let vnet = m.network.vnet();
    if let Some(v) = vnet {
        g.groups
            .push(("vnet".into(), format!("VNet {} ({})", v.name, v.address_space), None));
        g.groups.push((
            "integration".into(),
            format!("subnet {} (apps)", v.integration_subnet),
            Some("vnet".into()),
        ));
    }
    g.groups.push(("code".into(), "components (Rust)".into(), None));
    g.groups.push(("data".into(), "data".into(), None));
    g.groups.push(("ops".into(), "monitoring".into(), None));
    for c in m.spec.components.iter() {
        let (label, id) = match c {
            ComponentSpec::CrudApi { field, api } => (format!("{field}: CrudApi&lt;{}&gt;", api.type_name), field),
            ComponentSpec::FunctionsApp { field, app } => {
                (format!("{field}: FunctionsApp&lt;{}&gt;", app.type_name), field)
            }
        };
        g.nodes.push((format!("c_{}", ident(id)), label, Some("code".into())));
    }
    if !m.network.is_private() && m.api_app().is_some() {
        g.nodes
            .push(("internet".into(), "Internet (HTTPS, Entra ID)".into(), None));
    }
    for app in &m.function_apps {
        let id = format!("app_{}", ident(&app.key));
        g.nodes.push((
            id.clone(),
            format!(
                "Function App {}<br/>Flex FC1, {} MB, up to {} instances",
                app.name, app.memory_mb, app.max_instances
            ),
            vnet.map(|_| "integration".to_string()),
        ));
        match &app.role {
            AppRole::CrudApis { components } => {
                for c in components {
                    g.edges
                        .push((format!("c_{}", ident(c)), id.clone(), "served by".into()));
                }
                if !m.network.is_private() {
                    g.edges.push(("internet".into(), id.clone(), "HTTPS".into()));
                }
            }
            AppRole::FunctionsApp { component, .. } => {
                g.edges
                    .push((format!("c_{}", ident(component)), id.clone(), "runs as".into()));
            }
        }
    }
    g.nodes.push((
        "storage".into(),
        format!("Storage account {}", m.storage.name),
        Some("data".into()),
    ));
    for (i, a) in m.cosmos_accounts.iter().enumerate() {
        let acc = format!("cosmos_{i}");
        g.nodes.push((
            acc.clone(),
            format!(
                "Cosmos DB {}<br/>{}{}",
                a.name,
                if a.serverless { "serverless" } else { "provisioned" },
                if m.network.is_private() {
                    ", private endpoint"
                } else {
                    ""
                }
            ),
            Some("data".into()),
        ));
        for (j, d) in a.databases.iter().enumerate() {
            for (k, c) in d.containers.iter().enumerate() {
                let rus = |t: ThroughputSetting| match t {
                    ThroughputSetting::Manual(r) => format!("{r} RU/s"),
                    ThroughputSetting::Autoscale(r) => format!("autoscale {r} RU/s"),
                };
                let t = match (c.throughput, d.shared_throughput) {
                    (Some(t), _) => rus(t),
                    (None, Some(t)) => format!("shares the database's {}", rus(t)),
                    (None, None) => "serverless".into(),
                };
                let id = format!("coll_{i}_{j}_{k}");
                g.nodes.push((
                    id.clone(),
                    format!("{}/{}<br/>key {}, {t}", d.name, c.name, c.partition_key.join(", ")),
                    Some("data".into()),
                ));
                g.edges.push((acc.clone(), id, "contains".into()));
            }
        }
    }
    if let Some(c) = &m.cache {
        g.nodes.push((
            "redis".into(),
            format!("Azure Managed Redis {}", c.name),
            Some("data".into()),
        ));
    }
    if let Some(v) = m.auth.vault() {
        g.nodes.push((
            "vault".into(),
            format!("Key Vault {} (keys)", v.name),
            Some("data".into()),
        ));
    }
    if let Some(mon) = &m.monitoring {
        g.nodes.push((
            "insights".into(),
            format!("Application Insights {}", mon.insights),
            Some("ops".into()),
        ));
        g.nodes.push((
            "logs".into(),
            format!("Log Analytics {} ({} days)", mon.workspace, mon.retention_days),
            Some("ops".into()),
        ));
        g.edges.push(("insights".into(), "logs".into(), "stores in".into()));
        for app in &m.function_apps {
            g.edges.push((
                format!("app_{}", ident(&app.key)),
                "insights".into(),
                "telemetry".into(),
            ));
        }
    }
    for e in m.network.endpoints() {
        g.nodes.push((
            format!("pep_{}", ident(&e.name.to_string())),
            format!("private endpoint {}", e.name),
            Some("vnet".into()),
        ));
    }
    for grant in &m.grants {
        let to: Vec<String> = match &grant.scope {
            GrantScope::Storage => vec!["storage".to_string()],
            GrantScope::Insights => vec!["insights".to_string()],
            GrantScope::KeyVault => vec!["vault".to_string()],
            GrantScope::Redis => vec!["redis".to_string()],
            GrantScope::CosmosContainer {
                account,
                database,
                container,
            } => {
                let a = &m.cosmos_accounts[*account];
                let (j, k) = a
                    .databases
                    .iter()
                    .enumerate()
                    .find_map(|(j, d)| {
                        (d.name == *database)
                            .then(|| d.containers.iter().position(|c| c.name == *container).map(|k| (j, k)))
                            .flatten()
                    })
                    .unwrap_or((0, 0));
                vec![format!("coll_{account}_{j}_{k}")]
            }
            // A database-scoped role reaches each of its containers.
            GrantScope::CosmosDatabase { account, database } => {
                let a = &m.cosmos_accounts[*account];
                a.databases
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.name == *database)
                    .flat_map(|(j, d)| (0..d.containers.len()).map(move |k| format!("coll_{account}_{j}_{k}")))
                    .collect()
            }
            // Queues live in the storage account.
            GrantScope::Queue { .. } => vec!["storage".to_string()],
        };
        for to in to {
            g.edges
                .push((format!("app_{}", ident(&grant.app)), to, grant.role.label().to_string()));
        }
    }
    g
}

/// One Mermaid flowchart of `graphs`, a subgraph each.
pub fn mermaid(graphs: &[&Graph]) -> String {
    let mut s = String::from("flowchart LR\n");
    for g in graphs {
        s.push_str(&mermaid_body(g));
    }
    s
}

fn mermaid_body(g: &Graph) -> String {
    let mut s = String::new();
    fn group(s: &mut String, g: &Graph, parent: Option<&str>, depth: usize) {
        let pad = "  ".repeat(depth);
        for node in g.nodes.iter().filter(|n| n.2.as_deref() == parent) {
            let _ = writeln!(s, "{pad}{}_{}[\"{}\"]", g.id, node.0, node.1.replace('"', "'"));
        }
        for (id, label, _) in g.groups.iter().filter(|x| x.2.as_deref() == parent) {
            if !has_content(g, id) {
                continue;
            }
            let _ = writeln!(s, "{pad}subgraph {}_{id}[\"{}\"]", g.id, label.replace('"', "'"));
            group(s, g, Some(id), depth + 1);
            let _ = writeln!(s, "{pad}end");
        }
    }
    let _ = writeln!(s, "  subgraph {}[\"{}\"]", g.id, g.title);
    group(&mut s, g, None, 2);
    let _ = writeln!(s, "  end");
    for (a, b, l) in &g.edges {
        let _ = writeln!(s, "  {}_{a} -->|{l}| {}_{b}", g.id, g.id);
    }
    s
}

fn has_content(g: &Graph, group: &str) -> bool {
    g.nodes.iter().any(|n| n.2.as_deref() == Some(group))
        || g.groups
            .iter()
            .any(|x| x.2.as_deref() == Some(group) && has_content(g, &x.0))
}

/// Graphviz DOT text (one cluster per group).
pub fn dot(graphs: &[Graph]) -> String {
    let mut s = String::from("digraph atakora {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    fn group(s: &mut String, g: &Graph, parent: Option<&str>, depth: usize) {
        let pad = "  ".repeat(depth);
        for node in g.nodes.iter().filter(|n| n.2.as_deref() == parent) {
            let _ = writeln!(
                s,
                "{pad}\"{}_{}\" [label=\"{}\"];",
                g.id,
                node.0,
                node.1
                    .replace("<br/>", "\\n")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace('"', "'")
            );
        }
        for (id, label, _) in g.groups.iter().filter(|x| x.2.as_deref() == parent) {
            if !has_content(g, id) {
                continue;
            }
            let _ = writeln!(
                s,
                "{pad}subgraph \"cluster_{}_{id}\" {{\n{pad}  label=\"{label}\";",
                g.id
            );
            group(s, g, Some(id), depth + 1);
            let _ = writeln!(s, "{pad}}}");
        }
    }
    for g in graphs {
        let _ = writeln!(s, "  subgraph \"cluster_{}\" {{\n    label=\"{}\";", g.id, g.title);
        group(&mut s, g, None, 2);
        let _ = writeln!(s, "  }}");
        for (a, b, l) in &g.edges {
            let _ = writeln!(s, "  \"{}_{a}\" -> \"{}_{b}\" [label=\"{l}\"];", g.id, g.id);
        }
    }
    s.push_str("}\n");
    s
}

/// A Markdown page describing one plan's architecture.
pub fn markdown(plan: &atakora::Plan, g: &Graph) -> String {
    let m = plan.model();
    let mut s = String::new();
    let _ = writeln!(s, "## {} — `{}`\n", m.backend_type, plan.environment());
    let _ = writeln!(
        s,
        "Application `{}`, {} environment, {}. Generated by `cargo atakora graph --format markdown` from the code; regenerate it rather than edit it.\n",
        m.app,
        if m.tier.is_production() {
            "a production"
        } else {
            "a non-production"
        },
        match &m.location {
            Some(l) => format!("region `{l}`"),
            None => "in the resource group's region".to_string(),
        }
    );
    let _ = writeln!(
        s,
        "### Components\n\n| field | kind | type | served by |\n|---|---|---|---|"
    );
    for c in m.spec.components.iter() {
        let (field, kind, ty) = match c {
            ComponentSpec::CrudApi { field, api } => (field, "CRUD API", api.type_name.to_string()),
            ComponentSpec::FunctionsApp { field, app } => (field, "functions app", app.type_name.to_string()),
        };
        let app = m
            .function_apps
            .iter()
            .find(|a| match &a.role {
                AppRole::CrudApis { components } => components.iter().any(|x| x == field.as_ref()),
                AppRole::FunctionsApp { component, .. } => component == field.as_ref(),
            })
            .map(|a| a.name.to_string())
            .unwrap_or_default();
        let _ = writeln!(s, "| `{field}` | {kind} | `{ty}` | `{app}` |");
    }
    let _ = writeln!(s, "\n### Resources\n\n| type | name | declared by |\n|---|---|---|");
    // Role assignments (named by GUIDs) are in the identities table below.
    for r in m
        .named
        .iter()
        .filter(|r| r.parent.is_none() && !matches!(r.name, Name::Guid(_)))
    {
        let _ = writeln!(s, "| `{}` | `{}` | {} |", r.kind.arm_type(), r.name, r.declared_by);
    }
    let _ = writeln!(s, "\n### Identities and roles\n");
    if m.auth.uses_keys() {
        let _ = writeln!(s, "The apps use keys kept in Key Vault (`managed_identity = false`).\n");
    } else {
        let _ = writeln!(
            s,
            "Each app has a system-assigned managed identity; no key or connection string is deployed.\n"
        );
    }
    let _ = writeln!(s, "| app | role | scope |\n|---|---|---|");
    for grant in &m.grants {
        let app = m
            .app(&grant.app)
            .map(|a| a.name.to_string())
            .unwrap_or_else(|| grant.app.clone());
        let scope = match &grant.scope {
            GrantScope::Storage => format!("storage account `{}`", m.storage.name),
            GrantScope::Insights => "Application Insights".into(),
            GrantScope::KeyVault => "Key Vault".into(),
            GrantScope::Redis => "Redis".into(),
            GrantScope::CosmosContainer {
                database, container, ..
            } => format!("container `{database}/{container}`"),
            GrantScope::Queue { name } => format!("queue `{name}`"),
            GrantScope::CosmosDatabase { database, .. } => format!("every container of database `{database}`"),
        };
        let _ = writeln!(s, "| `{app}` | {} | {scope} |", grant.role.label());
    }
    let _ = writeln!(s, "\n### Network\n");
    let _ = match &m.network {
        NetworkPosture::Public => writeln!(
            s,
            "Public endpoints; every request to the data services is authenticated with Entra ID."
        ),
        NetworkPosture::ServiceEndpoints(v) => writeln!(
            s,
            "VNet `{}` ({}): the apps are integrated in subnet `{}`; the data services admit only that subnet (service endpoints).",
            v.name, v.address_space, v.integration_subnet
        ),
        NetworkPosture::PrivateEndpoints { vnet, endpoints, .. } => writeln!(
            s,
            "VNet `{}` ({}): the apps are integrated in subnet `{}`; the data services' public access is disabled and they are reached through {} private endpoints in subnet `{}`.",
            vnet.name,
            vnet.address_space,
            vnet.integration_subnet,
            endpoints.len(),
            vnet.endpoint_subnet
        ),
    };
    let _ = writeln!(s, "\n### Diagram\n\n```mermaid\n{}```\n", mermaid(&[g]));
    s
}

/// Run `graph`.
pub fn run(app: &App, format: GraphFormat, env: Option<&str>) -> Result<()> {
    let project = app.load(env)?;
    // One plan per backend: the environment asked for, else each backend's first.
    let mut plans: Vec<&atakora::Plan> = Vec::new();
    for p in &project.plans {
        if !plans.iter().any(|q| q.backend_id() == p.backend_id()) {
            plans.push(p);
        }
    }
    if plans.is_empty() {
        return Err(Failure::new("no plan resolved: `cargo atakora validate` shows why"));
    }
    let graphs: Vec<Graph> = plans.iter().map(|p| of(p)).collect();
    match format {
        GraphFormat::Mermaid => print!("{}", mermaid(&graphs.iter().collect::<Vec<_>>())),
        GraphFormat::Dot => print!("{}", dot(&graphs)),
        GraphFormat::Markdown => {
            println!("# Architecture of `{}`\n", app.name);
            for (p, g) in plans.iter().zip(&graphs) {
                print!("{}", markdown(p, g));
            }
        }
    }
    Ok(())
}
