//! The resolution context every family stage works through: the spec and environment, the
//! diagnostics found so far, and the record of every resource named. Names are made only
//! here, and every name made is recorded with its kind, parent and declaring component, so a
//! family cannot emit a resource that the manifest, the collision checks and the names
//! property test do not see.

use crate::diag::{Diagnostic, Subject};
use crate::naming::{Namer, ResourceKind, ResourceName};
use crate::plan::{DeclaredBy, Name, NameId, NamePart, NamedResource, Tier};
use crate::rules::Finding;
use crate::spec::{BackendSpec, ComponentSpec, CrudApiSpec, FunctionsAppSpec, kebab_case};

/// One backend being resolved for one environment.
pub(crate) struct Resolver<'s> {
    pub spec: &'s BackendSpec,
    pub env: &'s str,
    /// The backend's id (`shop-backend`).
    pub backend: String,
    pub tier: Tier,
    diagnostics: Vec<Diagnostic>,
    named: Vec<NamedResource>,
}

impl<'s> Resolver<'s> {
    pub fn new(spec: &'s BackendSpec, env: &'s str) -> Self {
        Resolver {
            spec,
            env,
            backend: kebab_case(&spec.type_name),
            tier: Tier::of(env),
            diagnostics: Vec::new(),
            named: Vec::new(),
        }
    }

    fn namer(&self) -> Namer<'_> {
        Namer {
            pattern: &self.spec.naming.pattern,
            app: &self.spec.app,
            env: self.env,
            backend: &self.backend,
            region: self.spec.location.as_deref().unwrap_or(REGION_UNSET),
            unique_suffix: self.spec.naming.unique_suffix,
            strict: self.spec.naming.strict,
        }
    }

    /// The CRUD APIs of the backend, `(field, spec)`, in declaration order.
    pub fn crud_apis(&self) -> impl Iterator<Item = (&'s str, &'s CrudApiSpec)> + use<'s> {
        self.spec.components.iter().filter_map(|c| match c {
            ComponentSpec::CrudApi { field, api } => Some((field.as_ref(), api.as_ref())),
            ComponentSpec::FunctionsApp { .. } => None,
        })
    }

    /// The functions apps of the backend, `(field, spec)`, in declaration order.
    pub fn functions_apps(&self) -> impl Iterator<Item = (&'s str, &'s FunctionsAppSpec)> + use<'s> {
        self.spec.components.iter().filter_map(|c| match c {
            ComponentSpec::FunctionsApp { field, app } => Some((field.as_ref(), app.as_ref())),
            ComponentSpec::CrudApi { .. } => None,
        })
    }

    /// What declares the backend's shared resources.
    pub fn by_backend(&self) -> DeclaredBy {
        DeclaredBy::Backend {
            type_name: self.spec.type_name.to_string(),
        }
    }

    /// A resource named from the pattern for `purpose` (may be empty), recorded.
    pub fn name(
        &mut self,
        kind: ResourceKind,
        purpose: &str,
        parent: Option<NameId>,
        by: DeclaredBy,
    ) -> (ResourceName, NameId) {
        let mut warnings = Vec::new();
        let made = self.namer().name(kind, purpose, &mut warnings);
        for w in warnings {
            self.report(w.about(naming_subject()));
        }
        let name = self.legal(made);
        let id = self.record(kind, Name::Planned(name.clone()), parent, by, purpose);
        (name, id)
    }

    /// A resource named `raw` (declared by the user or fixed by atakora), made legal for
    /// `kind` by the same rules as pattern names, recorded.
    pub fn fixed(
        &mut self,
        kind: ResourceKind,
        raw: &str,
        parent: Option<NameId>,
        by: DeclaredBy,
    ) -> (ResourceName, NameId) {
        let mut warnings = Vec::new();
        let made = self.namer().fixed(kind, raw, &mut warnings);
        for w in warnings {
            self.report(w.about(naming_subject()));
        }
        let name = self.legal(made);
        let id = self.record(kind, Name::Planned(name.clone()), parent, by, "");
        (name, id)
    }

    /// A resource whose name Azure or the user fixes exactly (`default`, a DNS zone, a
    /// declared VNet), recorded as written.
    pub fn literal(&mut self, kind: ResourceKind, name: &str, parent: Option<NameId>, by: DeclaredBy) -> NameId {
        self.record(kind, Name::Planned(ResourceName::literal(name)), parent, by, "")
    }

    /// A resource named by a GUID ARM derives from `parts` when deploying, recorded.
    pub fn guid(&mut self, kind: ResourceKind, parts: Vec<NamePart>, parent: Option<NameId>, by: DeclaredBy) -> NameId {
        self.record(kind, Name::Guid(parts), parent, by, "")
    }

    fn record(
        &mut self,
        kind: ResourceKind,
        name: Name,
        parent: Option<NameId>,
        by: DeclaredBy,
        purpose: &str,
    ) -> NameId {
        self.named.push(NamedResource {
            kind,
            name,
            parent,
            declared_by: by,
            purpose: purpose.to_string(),
        });
        self.named.len() - 1
    }

    /// A name, or — when it cannot be made legal — the error reported and a placeholder, so the
    /// plan still shows every resource (and `validate()` fails).
    fn legal(&mut self, made: Result<ResourceName, Diagnostic>) -> ResourceName {
        made.unwrap_or_else(|d| {
            self.report(d.about(naming_subject()));
            ResourceName::literal("invalid-name")
        })
    }

    /// Report a diagnostic about the backend.
    pub fn report(&mut self, d: Diagnostic) {
        let subject = d.subject.clone().unwrap_or_default();
        let d = d.about(Subject {
            backend: Some(self.spec.type_name.to_string()),
            ..subject
        });
        self.diagnostics.push(d);
    }

    /// Report a diagnostic about component `field`, option `option` of its attribute.
    pub fn report_on(&mut self, field: &str, option: &str, d: Diagnostic) {
        self.report(d.about(Subject {
            backend: None,
            component: Some(field.to_string()),
            option: Some(option.to_string()),
        }));
    }

    /// Report a violated cross-item rule.
    pub fn finding(&mut self, f: Option<Finding>) {
        if let Some(f) = f {
            self.diagnostics.push(f.diagnostic(self.spec));
        }
    }

    /// The record and the diagnostics, when resolution is done.
    pub fn finish(self) -> (Vec<NamedResource>, Vec<Diagnostic>) {
        (self.named, self.diagnostics)
    }
}

/// `{region}` when no `location` is set: the region is the resource group's, known only when
/// deploying (a pattern using `{region}` needs `location`, ATK0311).
const REGION_UNSET: &str = "";

/// Names follow from the naming pattern (and the app and environment in it).
fn naming_subject() -> Subject {
    Subject {
        option: Some("naming.pattern".into()),
        ..Subject::default()
    }
}

/// `` `a`, `b` `` for messages.
pub(crate) fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
