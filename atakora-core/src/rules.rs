//! Cross-item rules: what ties a backend's components together (per-environment values,
//! shared containers, limits summed over components).
//!
//! Each rule is one `const fn` over the specs, and it builds its own message. `#[backend]`'s
//! expansion evaluates every rule in a `const` assertion when the crate compiles, so a
//! violation is a compile error with the rule's code at the component's token; `resolve` calls
//! the same functions for `validate()`, so both paths report the same code with the same text.
//! The expansion asserts only when every item parsed cleanly: an item's own error is reported
//! once, never again as a cross-item error derived from it.

use crate::diag::{Code, Diagnostic};
use crate::plan::ThroughputSetting;
use crate::spec::*;
use std::borrow::Cow;

/// Bytes a rule's message may take; longer messages end in `…` (never silently).
pub const TEXT_CAPACITY: usize = 2048;

/// A message built in `const` code: appends whole strings and numbers; what does not fit is
/// marked with `…`.
#[derive(Clone, Copy)]
pub struct Text {
    buf: [u8; TEXT_CAPACITY],
    len: usize,
    cut: bool,
}

impl Text {
    /// An empty text.
    pub const fn new() -> Text {
        Text {
            buf: [0; TEXT_CAPACITY],
            len: 0,
            cut: false,
        }
    }

    /// `self` followed by `s` (whole, or `…` once when it does not fit).
    pub const fn str(mut self, s: &str) -> Text {
        let b = s.as_bytes();
        if self.cut {
            return self;
        }
        if self.len + b.len() + 3 > TEXT_CAPACITY {
            self.cut = true;
            return self.str_unchecked("…");
        }
        self.str_unchecked(s)
    }

    const fn str_unchecked(mut self, s: &str) -> Text {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && self.len < TEXT_CAPACITY {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// `self` followed by `` `s` ``.
    pub const fn quoted(self, s: &str) -> Text {
        self.str("`").str(s).str("`")
    }

    /// `self` followed by the decimal digits of `n`.
    pub const fn num(self, mut n: u64) -> Text {
        let mut digits = [0u8; 20];
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            k += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut out = [0u8; 20];
        let mut i = 0;
        while i < k {
            out[i] = digits[k - 1 - i];
            i += 1;
        }
        let (head, _) = out.split_at(k);
        match core::str::from_utf8(head) {
            Ok(s) => self.str(s),
            Err(_) => self,
        }
    }

    /// Nothing written yet.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text.
    pub const fn as_str(&self) -> &str {
        let (head, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "",
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A violated rule: its code, its message and the fix.
#[derive(Debug, Clone, Copy)]
pub struct Finding {
    /// The rule's code.
    pub code: Code,
    /// The component (index among the backend's) the finding is about, if one.
    pub component: Option<usize>,
    /// The attribute option it is about (dotted for nested options).
    pub option: &'static str,
    /// One sentence naming the components.
    pub message: Text,
    /// The fix (empty when there is none).
    pub help: Text,
}

impl Finding {
    const fn new(code: Code, at: (Option<usize>, &'static str), message: Text, help: Text) -> Finding {
        Finding {
            code,
            component: at.0,
            option: at.1,
            message,
            help,
        }
    }

    /// The compiler-facing text, as [`Diagnostic`]'s `Display` writes it: `ATK0403: ...` and the
    /// help on its own line.
    pub const fn render(&self) -> Text {
        let t = Text::new().str(self.code.as_str()).str(": ").str(self.message.as_str());
        if self.help.is_empty() {
            t
        } else {
            t.str("\n\n= help: ").str(self.help.as_str())
        }
    }

    /// The finding as a diagnostic about `spec`.
    pub fn diagnostic(&self, spec: &BackendSpec) -> Diagnostic {
        let mut d = Diagnostic::new(self.code, self.message.as_str()).about(crate::diag::Subject {
            backend: Some(spec.type_name.to_string()),
            component: self
                .component
                .and_then(|i| spec.components.get(i))
                .map(|c| c.field().to_string()),
            option: Some(self.option.to_string()),
        });
        // Every rule here is also a `const` assertion of `#[backend]`, except the storage
        // limit, which the attribute cannot express (a limit of 0 is ATK0316 there).
        d.compile_time = self.code != Code::StorageAccountLimit;
        if self.help.is_empty() {
            d
        } else {
            d.help(self.help.as_str())
        }
    }
}

// ---- const access to specs (`Cow` has no const `Deref`) ----

// Taking `&Cow` rather than `&str` is the point: `Deref` is not callable in a `const fn`, so the
// match below is the only way to reach the borrowed text at compile time.
#[allow(clippy::ptr_arg, reason = "Cow's Deref is not const; these are the const equivalent")]
const fn s<'a>(c: &'a Cow<'static, str>) -> &'a str {
    match c {
        Cow::Borrowed(b) => b,
        Cow::Owned(o) => o.as_str(),
    }
}

#[allow(clippy::ptr_arg, reason = "Cow's Deref is not const; these are the const equivalent")]
const fn list<'a, T: Clone>(c: &'a Cow<'static, [T]>) -> &'a [T] {
    match c {
        Cow::Borrowed(b) => b,
        Cow::Owned(o) => o.as_slice(),
    }
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn eq_ignore_case(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

const fn strs_eq(a: &[Str], b: &[Str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !eq(s(&a[i]), s(&b[i])) {
            return false;
        }
        i += 1;
    }
    true
}

const fn contains(items: &[Str], x: &str) -> bool {
    let mut i = 0;
    while i < items.len() {
        if eq(s(&items[i]), x) {
            return true;
        }
        i += 1;
    }
    false
}

/// The CRUD API at component `i`: `(field, spec)`.
const fn crud(spec: &BackendSpec, i: usize) -> Option<(&str, &CrudApiSpec)> {
    let components = list(&spec.components);
    if i >= components.len() {
        return None;
    }
    match &components[i] {
        ComponentSpec::CrudApi { field, api } => Some((
            s(field),
            match api {
                Cow::Borrowed(a) => a,
                Cow::Owned(a) => a,
            },
        )),
        ComponentSpec::FunctionsApp { .. } => None,
    }
}

/// The option that declares `api`'s dedicated throughput (`throughput` / `autoscale`), and
/// its values.
const fn dedicated(api: &CrudApiSpec) -> Option<(&'static str, &PerEnv)> {
    match &api.throughput {
        Some(Throughput::Manual { rus }) => Some(("throughput", rus)),
        Some(Throughput::Autoscale { max_rus }) => Some(("autoscale", max_rus)),
        None => None,
    }
}

const fn per_env_value(values: &PerEnv, env: &str) -> Option<u32> {
    let entries = list(&values.values);
    let mut i = 0;
    while i < entries.len() {
        if eq(s(&entries[i].0), env) {
            return Some(entries[i].1);
        }
        i += 1;
    }
    values.default
}

/// The dedicated throughput of `api` in `env`; `None`: it shares its database's (or has no
/// value for `env`, which [`throughput_covers`] reports).
pub const fn throughput_in(api: &CrudApiSpec, env: &str) -> Option<ThroughputSetting> {
    match &api.throughput {
        Some(Throughput::Manual { rus }) => match per_env_value(rus, env) {
            Some(v) => Some(ThroughputSetting::Manual(v)),
            None => None,
        },
        Some(Throughput::Autoscale { max_rus }) => match per_env_value(max_rus, env) {
            Some(v) => Some(ThroughputSetting::Autoscale(v)),
            None => None,
        },
        None => None,
    }
}

/// The shared throughput of a provisioned database: the backend's `auto_scale` maximum, else
/// 400 RU/s manual (the smallest a database can have).
pub const fn shared_throughput(spec: &BackendSpec) -> ThroughputSetting {
    match &spec.auto_scale {
        Some(a) => ThroughputSetting::Autoscale(a.max_throughput),
        None => ThroughputSetting::Manual(DEFAULT_SHARED_RUS),
    }
}

/// Shared database throughput when the backend sets no `auto_scale`: the manual minimum.
pub const DEFAULT_SHARED_RUS: u32 = 400;
/// Containers that may share one database's throughput (Cosmos DB limit).
pub const MAX_SHARED_CONTAINERS: usize = 25;

const fn environments_text(spec: &BackendSpec) -> Text {
    let envs = list(&spec.environments);
    let mut t = Text::new();
    let mut i = 0;
    while i < envs.len() {
        if i > 0 {
            t = t.str(", ");
        }
        t = t.str(s(&envs[i]));
        i += 1;
    }
    t
}

/// Rule (ATK0120): per-environment throughput names only environments the backend declares.
pub const fn throughput_names_declared_environments(spec: &BackendSpec, component: usize) -> Option<Finding> {
    let Some((field, api)) = crud(spec, component) else {
        return None;
    };
    let Some((option, values)) = dedicated(api) else {
        return None;
    };
    let envs = list(&spec.environments);
    let entries = list(&values.values);
    let mut i = 0;
    while i < entries.len() {
        let env = s(&entries[i].0);
        if !contains(envs, env) {
            return Some(Finding::new(
                Code::PerEnvironment,
                (Some(component), option),
                Text::new()
                    .quoted(option)
                    .str(" of ")
                    .quoted(field)
                    .str(" names environment ")
                    .quoted(env)
                    .str(", which backend ")
                    .quoted(s(&spec.type_name))
                    .str(" does not declare"),
                Text::new()
                    .str("declared environments: ")
                    .str(environments_text(spec).as_str()),
            ));
        }
        i += 1;
    }
    None
}

/// Rule (ATK0120): dedicated throughput has a value for every environment the backend
/// declares, by name or `default`.
pub const fn throughput_covers(spec: &BackendSpec, component: usize, env: &str) -> Option<Finding> {
    let Some((field, api)) = crud(spec, component) else {
        return None;
    };
    let Some((option, values)) = dedicated(api) else {
        return None;
    };
    if per_env_value(values, env).is_some() {
        return None;
    }
    Some(Finding::new(
        Code::PerEnvironment,
        (Some(component), option),
        Text::new()
            .quoted(option)
            .str(" of ")
            .quoted(field)
            .str(" has no value for environment ")
            .quoted(env),
        Text::new()
            .str("add `")
            .str(env)
            .str(" = ...` or `default = ...` to `")
            .str(option)
            .str("(...)`"),
    ))
}

const fn per_env_eq(a: &PerEnv, b: &PerEnv) -> bool {
    let (x, y) = (list(&a.values), list(&b.values));
    if x.len() != y.len() {
        return false;
    }
    match (a.default, b.default) {
        (Some(p), Some(q)) if p == q => {}
        (None, None) => {}
        _ => return false,
    }
    // The same values, in any order.
    let mut i = 0;
    while i < x.len() {
        match per_env_value_exact(b, s(&x[i].0)) {
            Some(v) if v == x[i].1 => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

const fn per_env_value_exact(values: &PerEnv, env: &str) -> Option<u32> {
    let entries = list(&values.values);
    let mut i = 0;
    while i < entries.len() {
        if eq(s(&entries[i].0), env) {
            return Some(entries[i].1);
        }
        i += 1;
    }
    None
}

const fn throughput_eq(a: &Option<Throughput>, b: &Option<Throughput>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Throughput::Manual { rus: x }), Some(Throughput::Manual { rus: y })) => per_env_eq(x, y),
        (Some(Throughput::Autoscale { max_rus: x }), Some(Throughput::Autoscale { max_rus: y })) => per_env_eq(x, y),
        _ => false,
    }
}

const fn unique_keys_eq(a: &[List<Str>], b: &[List<Str>]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !strs_eq(list(&a[i]), list(&b[i])) {
            return false;
        }
        i += 1;
    }
    true
}

/// The component whose container `component` shares: the first earlier CRUD API naming the
/// same container (ASCII case ignored) in the same kind of account.
pub const fn shares_container_with(spec: &BackendSpec, component: usize) -> Option<usize> {
    let Some((_, api)) = crud(spec, component) else {
        return None;
    };
    let mut j = 0;
    while j < component {
        if let Some((_, other)) = crud(spec, j)
            && other.serverless == api.serverless
            && eq_ignore_case(s(&other.container), s(&api.container))
        {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// Rule (ATK0407): components naming the same container serve one container, so they agree on
/// everything the container is: partition key, TTL, throughput, unique keys. (The container
/// is deployed once; its data role is the union of theirs.) `first` is the component that
/// declares the container first (see [`shares_container_with`]).
pub const fn container_conflict(spec: &BackendSpec, first: usize, component: usize) -> Option<Finding> {
    let (Some((a_field, a)), Some((b_field, b))) = (crud(spec, first), crud(spec, component)) else {
        return None;
    };
    let differs = [
        (
            "partition key",
            !strs_eq(list(&a.partition_key), list(&b.partition_key)),
        ),
        (
            "ttl",
            match (a.ttl, b.ttl) {
                (Some(x), Some(y)) => x != y,
                (None, None) => false,
                _ => true,
            },
        ),
        ("throughput", !throughput_eq(&a.throughput, &b.throughput)),
        (
            "unique keys",
            !unique_keys_eq(list(&a.unique_keys), list(&b.unique_keys)),
        ),
    ];
    let mut what = Text::new();
    let mut i = 0;
    while i < differs.len() {
        if differs[i].1 {
            if !what.is_empty() {
                what = what.str(", ");
            }
            what = what.str(differs[i].0);
        }
        i += 1;
    }
    if what.is_empty() {
        return None;
    }
    Some(Finding::new(
        Code::NameCollision,
        (Some(component), "container"),
        Text::new()
            .quoted(a_field)
            .str(" and ")
            .quoted(b_field)
            .str(" both use container ")
            .quoted(s(&b.container))
            .str(" but declare a different ")
            .str(what.as_str()),
        Text::new().str(
            "APIs on the same data declare the same container settings; otherwise give one of them its own `container = \"...\"`",
        ),
    ))
}

/// For the expansion: [`container_conflict`] of `component` with the component it shares a
/// container with, if any.
pub const fn container_conflict_at(spec: &BackendSpec, component: usize) -> Option<Finding> {
    match shares_container_with(spec, component) {
        Some(first) => container_conflict(spec, first, component),
        None => None,
    }
}

/// For the expansion: for each of the `N` components, the component whose container it
/// shares ([`shares_container_with`]), or itself when it declares its container first
/// (`resolve` finds the same with a map).
///
/// In `O(N log N)`: the components are sorted by a hash of their container's key (kind of
/// account, name without ASCII case) and compared only within a run of equal hashes, so a
/// backend of thousands of components stays far below the compiler's const-evaluation budget
/// (comparing each with every earlier one does not).
pub const fn container_sharers<const N: usize>(spec: &BackendSpec) -> [usize; N] {
    let mut out = [0usize; N];
    let mut keyed = [(0u64, 0usize); N];
    let mut i = 0;
    while i < N {
        out[i] = i;
        keyed[i] = (container_hash(spec, i), i);
        i += 1;
    }
    heap_sort(&mut keyed);
    let mut p = 1;
    while p < N {
        let (hash, me) = keyed[p];
        if crud(spec, me).is_some() {
            // Earlier entries of the run have smaller indices: the first match is the first.
            let mut q = p;
            while q > 0 && keyed[q - 1].0 == hash {
                q -= 1;
            }
            while q < p {
                let other = keyed[q].1;
                if same_container(spec, other, me) {
                    out[me] = other;
                    break;
                }
                q += 1;
            }
        }
        p += 1;
    }
    out
}

/// For the expansion: whether each of the `N` components declares its container first, from
/// its [`container_sharers`].
pub const fn container_firsts<const N: usize>(sharers: &[usize; N]) -> [bool; N] {
    let mut out = [true; N];
    let mut i = 0;
    while i < N {
        out[i] = sharers[i] == i;
        i += 1;
    }
    out
}

/// For the expansion: [`container_conflict`] of `component` with `first`, the component
/// whose container it shares (itself when none: no finding).
pub const fn container_conflict_with(spec: &BackendSpec, first: usize, component: usize) -> Option<Finding> {
    if first == component {
        return None;
    }
    container_conflict(spec, first, component)
}

/// Whether components `a` and `b` are CRUD APIs naming one container in one kind of account.
const fn same_container(spec: &BackendSpec, a: usize, b: usize) -> bool {
    match (crud(spec, a), crud(spec, b)) {
        (Some((_, x)), Some((_, y))) => {
            x.serverless == y.serverless && eq_ignore_case(s(&x.container), s(&y.container))
        }
        _ => false,
    }
}

/// FNV-1a of a CRUD API's container key (kind of account, name in ASCII lowercase); distinct
/// values for the other components.
const fn container_hash(spec: &BackendSpec, i: usize) -> u64 {
    let Some((_, api)) = crud(spec, i) else {
        return u64::MAX - i as u64;
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ api.serverless as u64;
    let bytes = s(&api.container).as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        h ^= bytes[k].to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        k += 1;
    }
    h
}

/// In-place heap sort of `(hash, index)` pairs, ascending (a `const fn` cannot call `sort`).
const fn heap_sort<const N: usize>(v: &mut [(u64, usize); N]) {
    const fn less(a: (u64, usize), b: (u64, usize)) -> bool {
        a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
    }
    const fn sift_down<const N: usize>(v: &mut [(u64, usize); N], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(v[child], v[child + 1]) {
                child += 1;
            }
            if !less(v[root], v[child]) {
                return;
            }
            let t = v[root];
            v[root] = v[child];
            v[child] = t;
            root = child;
        }
    }
    let mut start = N / 2;
    while start > 0 {
        start -= 1;
        sift_down(v, start, N);
    }
    let mut end = N;
    while end > 1 {
        end -= 1;
        let t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

const fn fields_where(spec: &BackendSpec, serverless: bool) -> Text {
    let n = list(&spec.components).len();
    let mut t = Text::new();
    let mut i = 0;
    while i < n {
        if let Some((field, api)) = crud(spec, i)
            && api.serverless == serverless
        {
            if !t.is_empty() {
                t = t.str(", ");
            }
            t = t.quoted(field);
        }
        i += 1;
    }
    t
}

/// The Cosmos DB accounts the backend needs: one per throughput kind present (serverless and
/// provisioned entities cannot share an account).
pub const fn cosmos_accounts_needed(spec: &BackendSpec) -> u32 {
    let n = list(&spec.components).len();
    let (mut serverless, mut provisioned) = (false, false);
    let mut i = 0;
    while i < n {
        if let Some((_, api)) = crud(spec, i) {
            if api.serverless {
                serverless = true
            } else {
                provisioned = true
            }
        }
        i += 1;
    }
    serverless as u32 + provisioned as u32
}

/// Rule (ATK0402): the accounts the backend needs fit `max_cosmos_accounts`.
pub const fn cosmos_account_limit(spec: &BackendSpec) -> Option<Finding> {
    let Some(max) = spec.limits.max_cosmos_accounts else {
        return None;
    };
    let needed = cosmos_accounts_needed(spec);
    if needed <= max {
        return None;
    }
    let mut message = Text::new()
        .str("the backend needs ")
        .num(needed as u64)
        .str(" Cosmos DB accounts");
    if needed > 1 {
        message = message
            .str(" (serverless ")
            .str(fields_where(spec, true).as_str())
            .str(" next to provisioned ")
            .str(fields_where(spec, false).as_str())
            .str(")");
    }
    Some(Finding::new(
        Code::CosmosAccountLimit,
        (None, "limits.max_cosmos_accounts"),
        message.str(", above `max_cosmos_accounts = ").num(max as u64).str("`"),
        Text::new().str("make the entities all serverless or all provisioned, or raise the limit"),
    ))
}

/// The first CRUD API of each provisioned container, in declaration order: the components
/// whose throughput counts (a shared container counts once). `firsts[i]`: component `i`
/// declares its container first.
const fn counts_for_throughput<'a>(
    spec: &'a BackendSpec,
    firsts: &[bool],
    i: usize,
) -> Option<(&'a str, &'a CrudApiSpec)> {
    match crud(spec, i) {
        Some((field, api)) if !api.serverless && firsts[i] => Some((field, api)),
        _ => None,
    }
}

/// Rule (ATK0403): in every environment, each provisioned database's throughput — its shared
/// throughput plus its containers' dedicated throughput, a container shared by several
/// components counted once, autoscale at its maximum — fits `max_throughput_per_database`.
/// The databases are laid out as `resolve` lays them out: the containers without throughput
/// of their own share a database, 25 at most per database, and dedicated containers join the
/// first one. `firsts[i]`: component `i` declares its container first.
pub const fn database_throughput(spec: &BackendSpec, firsts: &[bool], env: &str) -> Option<Finding> {
    let Some(max) = spec.limits.max_throughput_per_database else {
        return None;
    };
    let n = list(&spec.components).len();
    let shared = shared_throughput(spec).rus();
    let (mut sharing, mut dedicated_sum, mut any) = (0usize, 0u64, false);
    let mut i = 0;
    while i < n {
        if let Some((_, api)) = counts_for_throughput(spec, firsts, i) {
            any = true;
            match throughput_in(api, env) {
                Some(t) => dedicated_sum += t.rus() as u64,
                None => sharing += 1,
            }
        }
        i += 1;
    }
    if !any {
        return None;
    }
    let first_total = dedicated_sum + if sharing > 0 { shared as u64 } else { 0 };
    let (database, total, first) = if first_total > max as u64 {
        (0, first_total, true)
    } else if sharing > MAX_SHARED_CONTAINERS && shared > max {
        (1, shared as u64, false)
    } else {
        return None;
    };
    let mut name = Text::new().str(s(&spec.app));
    if database > 0 {
        name = name.str("-").num(database as u64 + 1);
    }
    // "(9800 dedicated to `products`, 400 shared by `notes`, `tags`)": each dedicated container
    // with its own figure, then the database's shared throughput with the containers sharing it.
    let (mut parts, mut sharers) = (Text::new(), Text::new());
    if first {
        let mut seen_sharing = 0;
        let mut i = 0;
        while i < n {
            if let Some((field, api)) = counts_for_throughput(spec, firsts, i) {
                match throughput_in(api, env) {
                    Some(t) => {
                        if !parts.is_empty() {
                            parts = parts.str(", ");
                        }
                        parts = parts.num(t.rus() as u64).str(" dedicated to ").quoted(field);
                    }
                    None => {
                        seen_sharing += 1;
                        if seen_sharing <= MAX_SHARED_CONTAINERS {
                            if !sharers.is_empty() {
                                sharers = sharers.str(", ");
                            }
                            sharers = sharers.quoted(field);
                        }
                    }
                }
            }
            i += 1;
        }
    }
    if sharing > 0 || !first {
        if !parts.is_empty() {
            parts = parts.str(", ");
        }
        parts = parts.num(shared as u64).str(" shared");
        if !sharers.is_empty() {
            parts = parts.str(" by ").str(sharers.as_str());
        }
    }
    Some(Finding::new(
        Code::DatabaseThroughputLimit,
        (None, "limits.max_throughput_per_database"),
        Text::new()
            .str("database ")
            .quoted(name.as_str())
            .str(" in ")
            .quoted(env)
            .str(" needs ")
            .num(total)
            .str(" RU/s (")
            .str(parts.as_str())
            .str("), above `max_throughput_per_database = ")
            .num(max as u64)
            .str("`"),
        Text::new().str("lower the components' throughput for this environment, or raise the limit"),
    ))
}

/// The Function Apps the backend needs: one serving every CRUD API, one per functions app.
pub const fn function_apps_needed(spec: &BackendSpec) -> u32 {
    let components = list(&spec.components);
    let (mut crud_apis, mut functions) = (false, 0u32);
    let mut i = 0;
    while i < components.len() {
        match &components[i] {
            ComponentSpec::CrudApi { .. } => crud_apis = true,
            ComponentSpec::FunctionsApp { .. } => functions += 1,
        }
        i += 1;
    }
    crud_apis as u32 + functions
}

/// Rule (ATK0404): the Function Apps the backend needs fit `max_function_apps`.
pub const fn function_app_limit(spec: &BackendSpec) -> Option<Finding> {
    let Some(max) = spec.limits.max_function_apps else {
        return None;
    };
    let needed = function_apps_needed(spec);
    if needed <= max {
        return None;
    }
    let components = list(&spec.components);
    let mut apps = Text::new();
    let mut crud_listed = false;
    let mut i = 0;
    while i < components.len() {
        match &components[i] {
            ComponentSpec::CrudApi { .. } if !crud_listed => {
                crud_listed = true;
                if !apps.is_empty() {
                    apps = apps.str(", ");
                }
                apps = apps.str("one for the CRUD APIs");
            }
            ComponentSpec::CrudApi { .. } => {}
            ComponentSpec::FunctionsApp { field, .. } => {
                if !apps.is_empty() {
                    apps = apps.str(", ");
                }
                apps = apps.quoted(s(field));
            }
        }
        i += 1;
    }
    Some(Finding::new(
        Code::FunctionAppLimit,
        (None, "limits.max_function_apps"),
        Text::new()
            .str("backend ")
            .quoted(s(&spec.type_name))
            .str(" needs ")
            .num(needed as u64)
            .str(" Function Apps (")
            .str(apps.as_str())
            .str("), above `max_function_apps = ")
            .num(max as u64)
            .str("`"),
        Text::new().str("move functions apps to another backend, or raise the limit"),
    ))
}

/// Rule (ATK0405): a backend has one storage account, so `max_storage_accounts` is at least 1.
pub const fn storage_account_limit(spec: &BackendSpec) -> Option<Finding> {
    match spec.limits.max_storage_accounts {
        Some(0) => Some(Finding::new(
            Code::StorageAccountLimit,
            (None, "limits.max_storage_accounts"),
            Text::new().str("the backend needs 1 storage account, above `max_storage_accounts = 0`"),
            Text::new().str("leave `max_storage_accounts` out, or set it to 1"),
        )),
        _ => None,
    }
}

/// Rule (ATK0317): a `health_check` needs monitoring, since availability tests live in
/// Application Insights.
pub const fn health_check_needs_monitoring(spec: &BackendSpec, component: usize) -> Option<Finding> {
    let Some((field, api)) = crud(spec, component) else {
        return None;
    };
    if api.health_check.is_none() || spec.monitoring.is_some() {
        return None;
    }
    Some(Finding::new(
        Code::HealthCheckNeedsMonitoring,
        (Some(component), "health_check"),
        Text::new()
            .str("`health_check` on ")
            .quoted(field)
            .str(" needs monitoring, and backend ")
            .quoted(s(&spec.type_name))
            .str(" sets `monitoring = false`"),
        Text::new()
            .str("availability tests live in Application Insights: turn monitoring on, or remove `health_check`"),
    ))
}

/// Rule (ATK0607): `owner`, `tenant` and `roles` need callers with tokens, so an API that
/// names one is not in a backend with `auth = "anonymous"`.
pub const fn isolation_needs_auth(spec: &BackendSpec, component: usize) -> Option<Finding> {
    let Some((field, api)) = crud(spec, component) else {
        return None;
    };
    if !matches!(spec.auth, AuthSpec::Anonymous) {
        return None;
    }
    let r = &api.roles;
    let option = if api.owner.is_some() {
        "owner"
    } else if api.tenant.is_some() {
        "tenant"
    } else if r.create.is_some() || r.read.is_some() || r.update.is_some() || r.delete.is_some() || r.list.is_some() {
        "roles"
    } else {
        return None;
    };
    Some(Finding::new(
        Code::IsolationWithoutAuth,
        (Some(component), option),
        Text::new()
            .quoted(option)
            .str(" on ")
            .quoted(field)
            .str(" needs callers with tokens, and backend ")
            .quoted(s(&spec.type_name))
            .str(" sets `auth = \"anonymous\"`"),
        Text::new().str("remove `auth = \"anonymous\"` (callers then need Entra ID tokens), or remove `owner`, `tenant` and `roles`"),
    ))
}

/// Whether `env` is a production environment: `prod`, `production`, `prod-*`,
/// `production-*` or `*-prod` (production gets redundancy and backups; see `plan::Tier`).
pub const fn is_production(env: &str) -> bool {
    let b = env.as_bytes();
    eq(env, "prod")
        || eq(env, "production")
        || starts_with(b, b"prod-")
        || starts_with(b, b"production-")
        || ends_with(b, b"-prod")
}

const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    if s.len() < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if s[i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn ends_with(s: &[u8], suffix: &[u8]) -> bool {
    if s.len() < suffix.len() {
        return false;
    }
    let off = s.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if s[off + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Rule (ATK0204): a functions app of a backend with a production environment runs on a
/// zone-redundant plan, which keeps at least two always-ready instances per function group
/// and refuses `always_ready = 1`.
pub const fn always_ready_zone_redundant(spec: &BackendSpec, component: usize) -> Option<Finding> {
    let components = list(&spec.components);
    if component >= components.len() {
        return None;
    }
    let ComponentSpec::FunctionsApp { field, app } = &components[component] else {
        return None;
    };
    let app: &FunctionsAppSpec = match app {
        Cow::Borrowed(a) => a,
        Cow::Owned(a) => a,
    };
    // The app's `http` group, or the first function whose own group asks for one instance
    // (functions join the spec when the registry or the build helper completes it).
    let functions = list(&app.functions);
    let mut function: Option<&str> = None;
    if app.always_ready != 1 {
        let mut k = 0;
        while k < functions.len() {
            if let Some(1) = functions[k].always_ready {
                function = Some(s(&functions[k].name));
                break;
            }
            k += 1;
        }
        if function.is_none() {
            return None;
        }
    }
    let envs = list(&spec.environments);
    let mut i = 0;
    while i < envs.len() {
        let env = s(&envs[i]);
        if is_production(env) {
            let what = match function {
                Some(name) => Text::new().str("function ").quoted(name).str(" of ").quoted(s(field)),
                None => Text::new().quoted(s(field)),
            };
            return Some(Finding::new(
                Code::AlwaysReadyZoneRedundant,
                (Some(component), "always_ready"),
                what.str(" sets `always_ready = 1`, but its plan in production environment ")
                    .quoted(env)
                    .str(" is zone-redundant, which keeps at least 2 always-ready instances per function group"),
                Text::new().str(
                    "leave `always_ready` out (the platform keeps 2 instances warm in production) or set it to 2 or more",
                ),
            ));
        }
        i += 1;
    }
    None
}

/// For the expansion: the first rule component `component` breaks, the rules checked in the
/// order `resolve` checks them (each per-environment rule for every declared environment in
/// turn). A functions app: [`always_ready_zone_redundant`]. A CRUD API:
/// [`container_conflict_with`] the component it shares its container with (`sharers`, from
/// [`container_sharers`]), [`throughput_names_declared_environments`], [`throughput_covers`],
/// [`isolation_needs_auth`], [`health_check_needs_monitoring`].
pub const fn component_finding(spec: &BackendSpec, sharers: &[usize], component: usize) -> Option<Finding> {
    let components = list(&spec.components);
    if component >= components.len() {
        return None;
    }
    if let ComponentSpec::FunctionsApp { .. } = &components[component] {
        return always_ready_zone_redundant(spec, component);
    }
    // `?` is not allowed in a `const fn`: each rule returns at its first finding.
    macro_rules! first {
        ($($rule:expr),* $(,)?) => {$(
            if let Some(f) = $rule {
                return Some(f);
            }
        )*};
    }
    first!(
        container_conflict_with(spec, sharers[component], component),
        throughput_names_declared_environments(spec, component),
    );
    let envs = list(&spec.environments);
    let mut e = 0;
    while e < envs.len() {
        first!(throughput_covers(spec, component, s(&envs[e])));
        e += 1;
    }
    first!(
        isolation_needs_auth(spec, component),
        health_check_needs_monitoring(spec, component),
    );
    None
}

/// For the expansion: the first backend-wide rule broken, in the order `resolve` checks them:
/// [`database_throughput`] for each environment (`firsts`, from [`container_firsts`], is read
/// only when the backend sets `max_throughput_per_database`), then [`cosmos_account_limit`].
pub const fn backend_finding(spec: &BackendSpec, firsts: &[bool]) -> Option<Finding> {
    if spec.limits.max_throughput_per_database.is_some() {
        let envs = list(&spec.environments);
        let mut e = 0;
        while e < envs.len() {
            if let Some(f) = database_throughput(spec, firsts, s(&envs[e])) {
                return Some(f);
            }
            e += 1;
        }
    }
    cosmos_account_limit(spec)
}

/// For the expansion, one `const` per component: fails that `const`'s evaluation with the text
/// of [`component_finding`], at the call (`#[track_caller]`), which the expansion spans at the
/// component's type. Does nothing unless every component parsed cleanly (`valid`): an item's
/// own mistake is reported once, at its token, and never again through a rule.
#[track_caller]
pub const fn assert_component(valid: bool, spec: &BackendSpec, sharers: &[usize], component: usize) {
    if valid {
        fail_with(component_finding(spec, sharers, component));
    }
}

/// For the expansion, one `const` per backend: [`assert_component`] for [`backend_finding`],
/// spanned at the backend's name.
#[track_caller]
pub const fn assert_backend(valid: bool, spec: &BackendSpec, firsts: &[bool]) {
    if valid {
        fail_with(backend_finding(spec, firsts));
    }
}

/// Panics with `finding`'s text, if any, at the caller's caller (both are `#[track_caller]`).
#[track_caller]
const fn fail_with(finding: Option<Finding>) {
    if let Some(f) = finding {
        panic!("{}", f.render().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(name: &str, container: &str, throughput: Option<u32>) -> ComponentSpec {
        let mut a = CrudApiSpec::with_defaults(name);
        a.container = Cow::Owned(container.to_string());
        a.throughput = throughput.map(|v| Throughput::Manual {
            rus: PerEnv {
                default: Some(v),
                values: Cow::Borrowed(&[]),
            },
        });
        ComponentSpec::CrudApi {
            field: Cow::Owned(name.to_lowercase()),
            api: Cow::Owned(a),
        }
    }

    fn backend(components: Vec<ComponentSpec>, max: u32) -> BackendSpec {
        let mut b = BackendSpec::with_defaults("Shop", "shop");
        b.limits.max_throughput_per_database = Some(max);
        b.components = Cow::Owned(components);
        b
    }

    #[test]
    fn sharers_are_the_first_declarer_of_each_container() {
        let names = ["a", "B", "b", "c", "A", "d", "c"];
        let spec = backend(
            names
                .iter()
                .enumerate()
                .map(|(i, c)| api(&format!("E{i}"), c, None))
                .collect(),
            1000,
        );
        const N: usize = 7;
        let sharers = container_sharers::<N>(&spec);
        assert_eq!(sharers, [0, 1, 1, 3, 0, 5, 3]);
        for (i, first) in sharers.iter().enumerate() {
            // The same as comparing each with every earlier one.
            assert_eq!(shares_container_with(&spec, i).unwrap_or(i), *first);
        }
        assert_eq!(
            container_firsts(&container_sharers::<N>(&spec)),
            [true, true, false, true, false, true, false]
        );
    }

    /// The first error `resolve` reports for the only environment, among the codes `rules`
    /// decides.
    fn first_resolved(spec: &BackendSpec) -> Option<Code> {
        let plan = crate::resolve(spec, DEFAULT_ENV).unwrap();
        plan.diagnostics.iter().map(|d| d.code).find(|c| RULE_CODES.contains(c))
    }

    const DEFAULT_ENV: &str = BackendSpec::DEFAULT_ENVIRONMENT;
    const RULE_CODES: [Code; 6] = [
        Code::NameCollision,
        Code::PerEnvironment,
        Code::IsolationWithoutAuth,
        Code::HealthCheckNeedsMonitoring,
        Code::DatabaseThroughputLimit,
        Code::CosmosAccountLimit,
    ];

    fn edit(spec: &mut BackendSpec, component: usize, change: impl FnOnce(&mut CrudApiSpec)) {
        if let ComponentSpec::CrudApi { api, .. } = &mut spec.components.to_mut()[component] {
            change(api.to_mut());
        }
    }

    #[test]
    fn a_component_reports_the_first_rule_resolve_reports() {
        // `Notes`, the second declarer of container `notes`, breaks every per-component rule:
        // another TTL and throughput than `Archive`'s, throughput for an undeclared
        // environment, an owner without authentication, a health check without monitoring.
        // Each rule fixed in turn, the compile-time assertion reports what `resolve` reports
        // first.
        let mut b = backend(
            vec![api("Archive", "notes", None), api("Notes", "notes", None)],
            100_000,
        );
        b.auth = AuthSpec::Anonymous;
        b.monitoring = None;
        edit(&mut b, 1, |a| {
            a.ttl = Some(60);
            a.throughput = Some(Throughput::Manual {
                rus: PerEnv {
                    default: Some(400),
                    values: Cow::Owned(vec![(Cow::Borrowed("qa"), 400)]),
                },
            });
            a.owner = Some(Cow::Borrowed("/userId"));
            a.health_check = Some(HealthCheckSpec::DEFAULT);
        });
        let fixes: [fn(&mut CrudApiSpec); 4] = [
            |a| a.container = Cow::Borrowed("others"),
            |a| a.throughput = None,
            |a| a.owner = None,
            |a| a.health_check = None,
        ];
        let mut seen = Vec::new();
        for fix in fixes {
            let sharers = container_sharers::<2>(&b);
            assert!(component_finding(&b, &sharers, 0).is_none());
            let code = component_finding(&b, &sharers, 1).unwrap().code;
            assert_eq!(Some(code), first_resolved(&b), "after fixing {seen:?}");
            seen.push(code);
            edit(&mut b, 1, fix);
        }
        assert_eq!(
            seen,
            [
                Code::NameCollision,
                Code::PerEnvironment,
                Code::IsolationWithoutAuth,
                Code::HealthCheckNeedsMonitoring
            ]
        );
        assert!(component_finding(&b, &container_sharers::<2>(&b), 1).is_none());
        assert_eq!(first_resolved(&b), None);
    }

    #[test]
    fn the_backend_reports_the_first_rule_resolve_reports() {
        // Over the database limit and over `max_cosmos_accounts = 1` (serverless next to
        // provisioned): `resolve` reports the database first.
        let mut b = backend(
            vec![
                api("Archive", "archive", Some(400)),
                api("Notes", "notes", None),
                api("Tags", "tags", None),
            ],
            500,
        );
        b.limits.max_cosmos_accounts = Some(1);
        edit(&mut b, 2, |a| a.serverless = true);
        let firsts = container_firsts(&container_sharers::<3>(&b));
        let code = backend_finding(&b, &firsts).unwrap().code;
        assert_eq!(code, Code::DatabaseThroughputLimit);
        assert_eq!(Some(code), first_resolved(&b));
        b.limits.max_throughput_per_database = None;
        let code = backend_finding(&b, &firsts).unwrap().code;
        assert_eq!(code, Code::CosmosAccountLimit);
        assert_eq!(Some(code), first_resolved(&b));
    }

    #[test]
    fn assertions_fail_with_the_finding_only_over_valid_components() {
        let b = backend(
            vec![api("Archive", "notes", None), api("Notes", "NOTES", Some(400))],
            100_000,
        );
        let sharers = container_sharers::<2>(&b);
        // A component of invalid input: its own error is reported, not the rule's.
        assert_component(false, &b, &sharers, 1);
        let panic = std::panic::catch_unwind(|| assert_component(true, &b, &sharers, 1)).unwrap_err();
        let text = panic.downcast_ref::<String>().unwrap();
        assert!(
            text.starts_with("ATK0407: `archive` and `notes` both use container"),
            "{text}"
        );
        assert_component(true, &b, &sharers, 0);
        // 400 dedicated + 400 shared in one database, above 500.
        let over = backend(
            vec![api("Archive", "archive", None), api("Notes", "notes", Some(400))],
            500,
        );
        let firsts = container_firsts(&container_sharers::<2>(&over));
        assert_backend(false, &over, &firsts);
        let panic = std::panic::catch_unwind(|| assert_backend(true, &over, &firsts)).unwrap_err();
        let text = panic.downcast_ref::<String>().unwrap();
        assert!(text.starts_with("ATK0403: "), "{text}");
    }

    #[test]
    fn texts_append_and_mark_what_does_not_fit() {
        let t = Text::new().str("needs ").num(10200).str(" RU/s").quoted("x");
        assert_eq!(t.as_str(), "needs 10200 RU/s`x`");
        assert_eq!(Text::new().num(0).as_str(), "0");
        let mut long = Text::new();
        for _ in 0..TEXT_CAPACITY {
            long = long.str("ab");
        }
        assert!(long.as_str().ends_with('…'), "a cut text says so");
        assert!(long.as_str().len() <= TEXT_CAPACITY);
    }

    #[test]
    fn a_shared_container_counts_once() {
        // Two APIs on one container with 400 RU/s each: one container of 400.
        let b = backend(
            vec![api("Notes", "notes", Some(400)), api("NotesAdmin", "notes", Some(400))],
            500,
        );
        assert!(database_throughput(&b, &container_firsts(&container_sharers::<2>(&b)), "dev").is_none());
        let b = backend(
            vec![
                api("Notes", "notes", Some(400)),
                api("NotesAdmin", "notes", Some(400)),
                api("Tags", "tags", None),
            ],
            500,
        );
        let f = database_throughput(&b, &container_firsts(&container_sharers::<3>(&b)), "dev").unwrap();
        assert_eq!(f.code, Code::DatabaseThroughputLimit);
        assert_eq!(
            f.message.as_str(),
            "database `shop` in `dev` needs 800 RU/s (400 dedicated to `notes`, 400 shared by `tags`), above `max_throughput_per_database = 500`"
        );
    }

    #[test]
    fn containers_agree_or_conflict() {
        let b = backend(
            vec![api("Notes", "notes", Some(400)), api("NotesAdmin", "NOTES", Some(1000))],
            10_000,
        );
        let f = container_conflict_at(&b, 1).unwrap();
        assert_eq!(
            f.message.as_str(),
            "`notes` and `notesadmin` both use container `NOTES` but declare a different throughput"
        );
        assert!(container_conflict_at(&b, 0).is_none());
        assert_eq!(
            f.render().as_str(),
            f.diagnostic(&b).to_string(),
            "compile-time and validate() texts are one text"
        );
    }
}
