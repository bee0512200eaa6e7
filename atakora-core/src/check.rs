//! Every value rule of the attribute grammar, in one place.
//!
//! Each function states one rule and returns the diagnostic for a value that breaks it. The
//! parser calls them with the token's span at hand; [`resolve`](mod@crate::resolve) calls the same functions
//! on specs built by hand, so `validate()` reports the same codes as the compiler.

use crate::diag::{Code, Diagnostic, closest};
use crate::spec::{BackendSpec, ComponentSpec, Networking, Operations, Throughput};

type Check<T = ()> = Result<T, Diagnostic>;

/// Rule: `ttl` is `-1` (on, no default expiry) or `1..=2147483647` seconds; 0 is not a TTL.
pub fn ttl(value: i64) -> Check<i32> {
    match value {
        -1 | 1..=2_147_483_647 => Ok(value as i32),
        _ => Err(Diagnostic::new(
            Code::TtlRange,
            format!(
                "`ttl` must be -1 (documents set their own expiry) or 1..=2147483647 seconds (Cosmos DB's longest default, about 68 years), not {value}"
            ),
        )
        .help(if value == 0 {
            "leave `ttl` out to keep items forever, or use `ttl = -1` to let items set their own expiry".to_string()
        } else {
            "use a number of seconds, e.g. `ttl = 86400` for one day".to_string()
        })),
    }
}

/// Rule: manual throughput is 400..=1,000,000 RU/s in steps of 100.
pub fn throughput(value: i64) -> Check<u32> {
    if (400..=1_000_000).contains(&value) && value % 100 == 0 {
        return Ok(value as u32);
    }
    let help = if (400..=1_000_000).contains(&value) {
        format!("round to a multiple of 100, e.g. {}", (value + 50) / 100 * 100)
    } else {
        "manual throughput is 400..=1000000 RU/s in steps of 100".to_string()
    };
    Err(Diagnostic::new(
        Code::ThroughputRange,
        format!("`throughput` of {value} RU/s is not valid manual throughput"),
    )
    .help(help))
}

/// Rule: autoscale maximum throughput is 1000..=1,000,000 RU/s in steps of 1000.
pub fn autoscale_max(value: i64, option: &str, code: Code) -> Check<u32> {
    if (1000..=1_000_000).contains(&value) && value % 1000 == 0 {
        return Ok(value as u32);
    }
    let help = if (1000..=1_000_000).contains(&value) {
        format!("round to a multiple of 1000, e.g. {}", (value + 500) / 1000 * 1000)
    } else {
        "autoscale maximum throughput is 1000..=1000000 RU/s in steps of 1000".to_string()
    };
    Err(Diagnostic::new(
        code,
        format!("`{option}` of {value} RU/s is not a valid autoscale maximum"),
    )
    .help(help))
}

/// Rule: a partition key (or unique key) path starts with `/`, has no empty, wildcard or
/// trailing segment, and uses letters, digits and `_` in each segment.
pub fn key_path_syntax(path: &str, option: &str, code: Code) -> Check {
    let bad = |why: &str| Err(Diagnostic::new(code, format!("`{option}` path `{path}` {why}")));
    let Some(rest) = path.strip_prefix('/') else {
        return bad("must start with `/`").map_err(|d: Diagnostic| d.help(format!("write `/{path}`")));
    };
    if rest.is_empty() {
        return bad("names no field");
    }
    for segment in rest.split('/') {
        if segment.is_empty() {
            return bad("has an empty segment");
        }
        if !segment
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$')
        {
            return bad("has a character Cosmos DB does not accept in a path (use letters, digits and `_`)");
        }
    }
    Ok(())
}

/// Rule: an `owner`/`tenant` path is a well-formed key path (the partition key's rule) with
/// one segment: the runtime sets and compares the field itself, so it is a top-level field.
pub fn isolation_path_syntax(path: &str, option: &str) -> Check {
    key_path_syntax(path, option, Code::IsolationPath)?;
    if path[1..].contains('/') {
        let first = path[1..].split('/').next().unwrap_or_default();
        return Err(Diagnostic::new(
            Code::IsolationPath,
            format!("`{option}` path `{path}` goes into a nested field"),
        )
        .help(format!(
            "`{option}` names a top-level string field of the entity, e.g. `/{first}`"
        )));
    }
    Ok(())
}

/// Rule: `owner` and `tenant` name different fields: one field cannot hold both the caller's
/// object id and their tenant id.
pub fn isolation_paths_differ(owner: &str, tenant: &str) -> Check {
    if owner != tenant {
        return Ok(());
    }
    Err(Diagnostic::new(
        Code::IsolationSamePath,
        format!("`owner` and `tenant` both name `{owner}`"),
    )
    .help("`owner` holds the caller's object id (`oid`), `tenant` their tenant id (`tid`): give each its own field"))
}

/// Rule: `roles(...)` names only operations the API serves (a role for an operation without a
/// route protects nothing, and usually means `operations(...)` left one out).
pub fn role_operation_served(operation: &str, served: Operations) -> Check {
    let bit = Operations::NAMES
        .iter()
        .find(|(n, _)| *n == operation)
        .map_or(0, |(_, b)| *b);
    if served.contains(bit) {
        return Ok(());
    }
    let names: Vec<&str> = served.names().collect();
    Err(Diagnostic::new(
        Code::RoleOperation,
        format!("`roles({operation} = ...)` names an operation the API does not serve"),
    )
    .help(format!(
        "the API serves {}: add `{operation}` to `operations(...)` or remove its role",
        names.join(", ")
    )))
}

/// Rule: a hierarchical partition key has 1 to 3 distinct paths.
pub fn partition_key_count(paths: &[&str]) -> Check {
    if paths.is_empty() {
        return Err(Diagnostic::new(
            Code::PartitionKeyCount,
            "`partition_key` needs at least one path",
        ));
    }
    if paths.len() > 3 {
        return Err(Diagnostic::new(
            Code::PartitionKeyCount,
            format!(
                "`partition_key` has {} paths; a hierarchical partition key has at most 3",
                paths.len()
            ),
        ));
    }
    for (i, p) in paths.iter().enumerate() {
        if paths[..i].contains(p) {
            return Err(Diagnostic::new(
                Code::PartitionKeyCount,
                format!("`partition_key` lists `{p}` twice"),
            ));
        }
    }
    Ok(())
}

/// Rule: `cache(ttl)` is at least one second.
pub fn cache_ttl(value: i64) -> Check<u32> {
    if (1..=i64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::CacheTtl,
            format!("`cache(ttl)` must be a positive number of seconds, not {value}"),
        )
        .help("e.g. `cache(ttl = 300)` for five minutes"))
    }
}

/// Rule: a health probe path starts with `/`; the interval is 30..=900 s (the availability
/// test frequencies are 300, 600 and 900 s; shorter intervals are probed every 300 s); the
/// timeout is 1..=120 s and shorter than the interval; the threshold is 1..=16 locations.
pub fn health_check(path: &str, interval: i64, timeout: i64, threshold: i64) -> Check {
    let err = |m: String| Err(Diagnostic::new(Code::HealthCheck, m));
    if !path.starts_with('/') {
        return err(format!("`health_check(path)` `{path}` must start with `/`"));
    }
    if !(1..=900).contains(&interval) {
        return err(format!(
            "`health_check(interval)` must be 1..=900 seconds, not {interval}"
        ));
    }
    if !(1..=120).contains(&timeout) {
        return err(format!(
            "`health_check(timeout)` must be 1..=120 seconds, not {timeout}"
        ));
    }
    if timeout >= interval {
        return err(format!(
            "`health_check(timeout)` ({timeout} s) must be shorter than `interval` ({interval} s)"
        ));
    }
    if !(1..=16).contains(&threshold) {
        return err(format!(
            "`health_check(unhealthy_threshold)` must be 1..=16, not {threshold}"
        ));
    }
    Ok(())
}

/// Rule: a container or entity name uses lowercase letters, digits, `-` and `_`, 1..=255
/// characters (Cosmos allows more, but other characters break routes and SDKs).
pub fn resource_word(value: &str, option: &str) -> Check {
    let ok = !value.is_empty()
        && value.len() <= 255
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && value.starts_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(
            Diagnostic::new(Code::EntityName, format!("`{option}` `{value}` is not a legal name"))
                .help("use letters, digits, `-` and `_`, starting with a letter or digit"),
        )
    }
}

/// Rule: Flex Consumption instance memory is 512, 2048 or 4096 MB.
pub fn memory_mb(value: i64) -> Check<u32> {
    match value {
        512 | 2048 | 4096 => Ok(value as u32),
        _ => Err(Diagnostic::new(
            Code::MemoryMb,
            format!("`memory_mb` must be 512, 2048 or 4096, not {value}"),
        )
        .help_opt(
            [512i64, 2048, 4096]
                .into_iter()
                .min_by_key(|m| (m - value).abs())
                .map(|m| format!("the nearest size is {m}")),
        )),
    }
}

/// Rule: a Flex Consumption app's maximum instance count is 1..=1000.
pub fn max_instances(value: i64) -> Check<u32> {
    if (1..=1000).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::MaxInstances,
            format!("`max_instances` must be 1..=1000, not {value}"),
        ))
    }
}

/// Rule: always-ready instances are 0..=`max_instances`.
pub fn always_ready(value: i64, max_instances: u32) -> Check<u32> {
    if (0..=i64::from(max_instances)).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::AlwaysReady,
            format!("`always_ready` ({value}) must be between 0 and `max_instances` ({max_instances})"),
        ))
    }
}

/// Rule: a function's name is a Functions host function name: `^[a-z][a-z0-9_-]{0,127}$`
/// and not `host` (names are case-insensitive there, and `host` is the host's own).
pub fn function_name(value: &str) -> Check {
    let legal = value.len() <= 128
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !legal {
        let lower = value.trim_start_matches('_').to_ascii_lowercase();
        return Err(Diagnostic::new(
            Code::FunctionName,
            format!("function `{value}` is not a legal Azure Functions name: a lowercase letter, then up to 127 lowercase letters, digits, `_` or `-`"),
        )
        .help(format!("rename the handler to `{lower}`")));
    }
    if value == "host" {
        return Err(Diagnostic::new(
            Code::FunctionName,
            "a function cannot be named `host`: the Functions host reserves it",
        )
        .help("rename the handler, e.g. `host_job`"));
    }
    Ok(())
}

/// The longest queue name that leaves room for its `-poison` twin within Azure's 63.
pub const MAX_QUEUE_NAME: usize = 63 - crate::spec::FunctionSpec::POISON_SUFFIX.len();

/// Rule: a queue name is what Azure Storage accepts (3–63 lowercase letters, digits and
/// single hyphens, starting and ending with a letter or digit), and short enough (56) that
/// the host's `<queue>-poison` is one too.
pub fn queue_name(value: &str) -> Check {
    if queue_name_is_legal(value) {
        return Ok(());
    }
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ends_ok =
        value.starts_with(|c: char| c.is_ascii_alphanumeric()) && value.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !(3..=63).contains(&value.len()) || !chars_ok || !ends_ok || value.contains("--") {
        let fixed: String = value
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let fixed = fixed.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
        let help = if (3..=MAX_QUEUE_NAME).contains(&fixed.len()) {
            format!("did you mean `{fixed}`?")
        } else {
            "use 3 to 56 lowercase letters, digits and single hyphens".to_string()
        };
        return Err(Diagnostic::new(
            Code::QueueName,
            format!("queue name `{value}` is not a legal Azure Storage queue name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit"),
        )
        .help(help));
    }
    if value.len() > MAX_QUEUE_NAME {
        return Err(Diagnostic::new(
            Code::QueueName,
            format!(
                "queue name `{value}` has {} characters: its dead-letter queue `{value}-poison` would be over Azure's 63",
                value.len()
            ),
        )
        .help(format!("shorten it to at most {MAX_QUEUE_NAME} characters")));
    }
    Ok(())
}

/// The rule of [`queue_name`] as a `const fn` (for `Queue::new` in a `static`): 3 to
/// [`MAX_QUEUE_NAME`] lowercase letters, digits and single hyphens, alphanumeric at both ends.
pub const fn queue_name_is_legal(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 3 || b.len() > MAX_QUEUE_NAME {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let alnum = c.is_ascii_lowercase() || c.is_ascii_digit();
        let edge = i == 0 || i == b.len() - 1;
        if !(alnum || (c == b'-' && !edge && b[i - 1] != b'-')) {
            return false;
        }
        i += 1;
    }
    true
}

/// Rule: a queue trigger's `max_attempts` (the host's `maxDequeueCount`) is 1..=1000: a
/// message is delivered at least once, and the host dead-letters after that many.
pub fn max_attempts(value: i64) -> Check<u32> {
    if (1..=1000).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::MaxAttempts,
            format!("`max_attempts` must be between 1 and 1000, not {value}"),
        )
        .help("leave it out for the host's default of 5"))
    }
}

/// Rule: a timer schedule is a six-field NCRONTAB expression (seconds first), without the
/// Quartz extensions; Flex Consumption evaluates it in UTC.
pub fn timer_schedule(value: &str) -> Check {
    use crate::cron::{Schedule, ScheduleError};
    const UTC: &str = "Flex Consumption runs timers in UTC";
    let d = |m: String| Diagnostic::new(Code::TimerSchedule, m);
    match Schedule::parse(value) {
        Ok(_) => Ok(()),
        Err(ScheduleError::FiveFields) => Err(d(format!(
            "timer schedule `{value}` has five fields, but NCRONTAB has six: `{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}`"
        ))
        .help(format!("did you mean `0 {}`? ({UTC})", value.trim()))),
        Err(ScheduleError::FieldCount(n)) => Err(d(format!(
            "timer schedule `{value}` has {n} fields, but NCRONTAB has six: `{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}`"
        ))
        .help(format!("e.g. `0 */5 * * * *` for every five minutes ({UTC})"))),
        Err(ScheduleError::Quartz { field, element }) => Err(d(format!(
            "timer schedule `{value}`: `{element}` in the {field} field is a Quartz extension, not NCRONTAB (`?`, `L`, `#` and `W` are refused)"
        ))
        .help(format!("use `*`, values, ranges `a-b`, steps `*/n` and lists ({UTC})"))),
        Err(ScheduleError::Element { field, element, range: (min, max) }) => Err(d(format!(
            "timer schedule `{value}`: `{element}` is not a value of the {field} field ({min}-{max})"
        ))
        .help(format!("use `*`, values {min}-{max}, ranges `a-b`, steps `*/n` or `a-b/n`, and lists ({UTC})"))),
    }
}

/// The HTTP methods a function may answer.
pub const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// Rule: an HTTP function's route is relative (no leading `/`), non-empty, its segments
/// non-empty, each `{placeholder}` a whole segment of letters, digits and `_`.
pub fn http_route(value: &str) -> Check {
    let d = |m: String| Diagnostic::new(Code::HttpRoute, m);
    if let Some(rest) = value.strip_prefix('/') {
        return Err(d(format!(
            "route `{value}` starts with `/`: function routes are relative to the app's root"
        ))
        .help(format!("write `{rest}`")));
    }
    if value.is_empty() || value.split('/').any(str::is_empty) {
        return Err(d(format!("route `{value}` has an empty segment"))
            .help("write segments separated by single `/`, e.g. `orders/{id}/ship`"));
    }
    for segment in value.split('/') {
        let placeholder = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        let ok = match placeholder {
            Some(name) => !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            None => !segment.contains(['{', '}', '?', '#', ' ']),
        };
        if !ok {
            return Err(d(format!(
                "route segment `{segment}` of `{value}` is neither a literal nor a whole `{{name}}` placeholder"
            ))
            .help("write a placeholder as its own segment, e.g. `orders/{id}`"));
        }
    }
    Ok(())
}

/// Rule: an HTTP method is one of [`HTTP_METHODS`].
pub fn http_method(value: &str) -> Check {
    if HTTP_METHODS.contains(&value) {
        return Ok(());
    }
    Err(
        Diagnostic::new(Code::HttpRoute, format!("`{value}` is not an HTTP method"))
            .help_opt(closest(value, HTTP_METHODS.iter().copied()).map(|m| format!("did you mean `{m}`?"))),
    )
}

/// Rule: a function's own fields, as the parser checks them at their tokens.
pub fn function_spec(f: &crate::spec::FunctionSpec) -> Vec<Diagnostic> {
    use crate::spec::Trigger;
    let mut out = Vec::new();
    let mut push = |r: Check| {
        if let Err(d) = r {
            out.push(d)
        }
    };
    push(function_name(&f.name));
    match &f.trigger {
        Trigger::Queue { queue, max_attempts: n } => {
            push(queue_name(queue));
            push(max_attempts(i64::from(*n)).map(drop));
        }
        Trigger::Timer { schedule } => push(timer_schedule(schedule)),
        Trigger::Changes { .. } => {}
        Trigger::Http { route, methods } => {
            push(http_route(route));
            for m in methods.iter() {
                push(http_method(m));
            }
            if f.always_ready.is_some() {
                push(Err(http_always_ready(&f.name)));
            }
        }
    }
    out
}

/// Rule: `always_ready` is for functions that scale alone; HTTP functions share the app's
/// `http` group, whose always-ready count is the `#[functions_app]`'s.
pub fn http_always_ready(name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FunctionAlwaysReady,
        format!("`always_ready` on HTTP function `{name}`: HTTP functions share their app's `http` scale group"),
    )
    .help("set `always_ready` on the `#[functions_app]` instead")
}

/// Rule: an environment name is a lowercase word: `a-z`, digits and single `-`, starting with
/// a letter, at most 32 characters. It appears in every resource name and tag.
pub fn environment_name(value: &str) -> Check {
    if is_lower_word(value, 32) {
        Ok(())
    } else {
        Err(Diagnostic::new(
            Code::EnvironmentName,
            format!("environment name `{value}` is not legal"),
        )
        .help("use lowercase letters, digits and single `-`, starting with a letter (at most 32 characters)"))
    }
}

/// Rule: the application name is a lowercase word (as for environments), 2..=24 characters.
pub fn app_name(value: &str) -> Check {
    if value.len() >= 2 && is_lower_word(value, 24) {
        Ok(())
    } else {
        Err(Diagnostic::new(
            Code::AppName,
            format!("`app` name `{value}` cannot be used in resource names"),
        )
        .help("use 2 to 24 lowercase letters, digits and single `-`, starting with a letter"))
    }
}

fn is_lower_word(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && !value.ends_with('-')
        && !value.contains("--")
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Azure public-cloud regions (programmatic names) that host Cosmos DB and Functions.
pub const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
];

/// Rule: `location` is an Azure region's programmatic name (`eastus`, not `East US`).
pub fn location(value: &str) -> Check {
    if REGIONS.contains(&value) {
        return Ok(());
    }
    let squashed: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let suggestion = if REGIONS.contains(&squashed.as_str()) {
        REGIONS.iter().copied().find(|r| *r == squashed)
    } else {
        closest(&squashed, REGIONS.iter().copied())
    };
    Err(
        Diagnostic::new(Code::Location, format!("`location` `{value}` is not an Azure region"))
            .help_opt(suggestion.map(|s| format!("did you mean `{s}`?"))),
    )
}

/// Rule: a naming pattern with `{region}` needs `location`: without it the region is the
/// resource group's, known only when deploying, and names are made before.
pub fn region_needs_location() -> Diagnostic {
    Diagnostic::new(
        Code::NamingPattern,
        "naming pattern uses `{region}`, but the backend sets no `location`",
    )
    .help("set `location = \"...\"`, or drop `{region}` from the pattern")
}

/// Rule: Log Analytics keeps data 30..=730 days.
pub fn retention_days(value: i64) -> Check<u32> {
    if (30..=730).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::Monitoring,
            format!("`retention_days` must be 30..=730, not {value}"),
        ))
    }
}

/// Rule: sampling keeps a percentage in (0, 100].
pub fn sampling_percentage(value: f64) -> Check<f64> {
    if value > 0.0 && value <= 100.0 {
        Ok(value)
    } else {
        Err(Diagnostic::new(
            Code::Monitoring,
            format!("`sampling_percentage` must be above 0 and at most 100, not {value}"),
        ))
    }
}

/// Rule: alert thresholds are positive.
pub fn positive(value: i64, option: &str, code: Code) -> Check<u32> {
    if (1..=i64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        let d = Diagnostic::new(code, format!("`{option}` must be positive, not {value}"));
        Err(if code == Code::LimitValue {
            d.help(format!("leave `{option}` out for no limit, or allow at least 1"))
        } else {
            d
        })
    }
}

/// Rule: an alert e-mail address has one `@`, a local part and a dotted domain, no spaces.
pub fn email(value: &str) -> Check {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Diagnostic::new(
            Code::Email,
            format!("`email` `{value}` is not an e-mail address"),
        ))
    }
}

/// Placeholders a naming pattern may use.
pub const NAMING_PLACEHOLDERS: &[&str] = &["type", "app", "env", "purpose", "backend", "region"];

/// Rule: a naming pattern uses only known placeholders and contains `{type}` (without it two
/// resource types with the same purpose would get one name).
pub fn naming_pattern(pattern: &str) -> Check {
    let mut rest = pattern;
    let mut has_type = false;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(Diagnostic::new(
                Code::NamingPattern,
                format!("naming pattern `{pattern}` has an unclosed `{{`"),
            ));
        };
        let name = &rest[open + 1..open + close];
        if !NAMING_PLACEHOLDERS.contains(&name) {
            return Err(Diagnostic::new(
                Code::NamingPattern,
                format!("naming pattern placeholder `{{{name}}}` is unknown"),
            )
            .help_opt(closest(name, NAMING_PLACEHOLDERS.iter().copied()).map(|s| format!("did you mean `{{{s}}}`?"))));
        }
        has_type |= name == "type";
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err(Diagnostic::new(
            Code::NamingPattern,
            format!("naming pattern `{pattern}` has a `}}` without `{{`"),
        ));
    }
    if !has_type {
        return Err(Diagnostic::new(
            Code::NamingPattern,
            format!("naming pattern `{pattern}` has no `{{type}}`"),
        )
        .help("add `{type}`: it keeps names of different resource types apart"));
    }
    Ok(())
}

/// Rule: Azure tag names are 1..=512 characters without `< > % & \ ? /`; values at most 256.
pub fn tag(key: &str, value: &str) -> Check {
    if key.is_empty() || key.len() > 512 || key.chars().any(|c| "<>%&\\?/".contains(c)) {
        return Err(
            Diagnostic::new(Code::Tag, format!("tag name `{key}` is not allowed by Azure"))
                .help("tag names are 1..=512 characters without `<`, `>`, `%`, `&`, `\\`, `?` or `/`"),
        );
    }
    if value.len() > 256 {
        return Err(Diagnostic::new(
            Code::Tag,
            format!("the value of tag `{key}` is longer than 256 characters"),
        ));
    }
    if ["app", "environment", "backend"].contains(&key) {
        return Err(
            Diagnostic::new(Code::Tag, format!("tag `{key}` is set by atakora on every resource"))
                .help("choose another tag name"),
        );
    }
    Ok(())
}

/// Rule: an address space is an IPv4 CIDR block between /8 and /26 (room for two subnets).
pub fn address_space(value: &str) -> Check {
    let parsed = value.split_once('/').and_then(|(ip, bits)| {
        let octets: Vec<u8> = ip.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
        let bits: u8 = bits.parse().ok()?;
        (octets.len() == 4 && (8..=26).contains(&bits)).then_some(())
    });
    parsed.ok_or_else(|| {
        Diagnostic::new(
            Code::Networking,
            format!("`address_space` `{value}` is not an IPv4 CIDR block from /8 to /26"),
        )
        .help("e.g. `address_space = \"10.0.0.0/16\"`")
    })
}

/// Rule: an app role (`roles(<operation> = "...")`) is a value Entra ID accepts in an app
/// registration's `appRoles[].value`: 1 to 249 characters, printable ASCII without spaces,
/// `"` or `\\`, not starting with `.`.
pub fn role_name(value: &str, operation: &str) -> Check {
    let bad = |why: &str| {
        Err(
            Diagnostic::new(Code::RoleName, format!("the role of `{operation}` {why}")).help(format!(
                "name an app role of the API's app registration, e.g. `{operation} = \"Catalog.Write\"`"
            )),
        )
    };
    if value.is_empty() {
        return bad("is empty");
    }
    if value.len() > 249 {
        return bad("is longer than the 249 characters Entra ID allows");
    }
    if value.starts_with('.') {
        return bad(&format!("`{value}` starts with `.`, which Entra ID refuses"));
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic() || *c == '"' || *c == '\\') {
        return bad(&format!(
            "`{value}` has {c:?}, which Entra ID refuses in an app role value"
        ));
    }
    Ok(())
}

/// Rule: the audience of `auth(entra(audience = "..."))` is an application ID URI
/// (`api://...` or `https://...`) or an application (client) id, a GUID: the forms Entra ID
/// writes in an access token's `aud`.
pub fn audience(value: &str) -> Check {
    let guid = value.len() == 36
        && value.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    let uri = ["api://", "https://"].iter().any(|p| {
        value
            .strip_prefix(p)
            .is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
    });
    if guid || uri {
        return Ok(());
    }
    Err(Diagnostic::new(Code::Auth, format!("audience `{value}` is not an application ID URI or an application id"))
        .help("write the app registration's application ID URI, e.g. `audience = \"api://shop-api\"`, or its client id (a GUID)"))
}

/// Rule: a CORS origin is a scheme and a host (`https://app.example.com`, with an optional
/// port), HTTPS except for `http://localhost`; never `*` (any site could then call the API
/// from a visitor's browser) and never a path.
pub fn cors_origin(value: &str) -> Check {
    let bad = |why: &str| {
        Err(Diagnostic::new(Code::Cors, format!("CORS origin `{value}` {why}"))
            .help("list each origin as `https://host` or `https://host:port`, e.g. `cors(allowed_origins = [\"https://app.example.com\"])`"))
    };
    if value == "*" || value.contains('*') {
        return bad("is a wildcard: the API would answer every site's scripts");
    }
    let rest = if let Some(r) = value.strip_prefix("https://") {
        r
    } else if let Some(r) = value.strip_prefix("http://") {
        let host = r.split(':').next().unwrap_or_default();
        if host != "localhost" && host != "127.0.0.1" {
            return bad("is not HTTPS (plain HTTP is allowed for `localhost` only)");
        }
        r
    } else {
        return bad("has no `https://` scheme");
    };
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return bad("has no valid host name (a path, query or trailing `/` is not part of an origin)");
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return bad("has an invalid port");
    }
    Ok(())
}

/// Rule: `auto_scale(target_utilization)` is a percentage 1..=100.
pub fn target_utilization(value: i64) -> Check<u32> {
    if (1..=100).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::AutoScale,
            format!("`target_utilization` must be 1..=100 percent, not {value}"),
        ))
    }
}

/// Rule: a declared VNet or subnet name is legal for its type (letters, digits, `-`; 2..=64 and
/// 1..=80 characters); the Flex integration subnet name has no `_`.
pub fn network_name(value: &str, option: &str) -> Result<(), Diagnostic> {
    let kind = if option == "vnet_name" {
        crate::naming::ResourceKind::VirtualNetwork
    } else {
        crate::naming::ResourceKind::Subnet
    };
    kind.check_final(value).map_err(|why| {
        Diagnostic::new(
            Code::Networking,
            format!("`{option}` `{value}` is not a legal {} name: {why}", kind.label()),
        )
        .help("use letters, digits and `-` (Flex Consumption integration subnets take no `_`)")
    })
}

/// Every value rule above, applied to a whole backend spec: for specs that did not come
/// through the parser (built by hand or deserialised), so `validate()` reports the codes the
/// compiler reports for the same values. One entry, one `check_*` call per option, as the
/// parser applies them. Cross-item rules are in [`crate::rules`].
pub fn backend_spec(spec: &BackendSpec) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut push = |r: Result<(), Diagnostic>| {
        if let Err(d) = r {
            diags.push(d);
        }
    };
    push(app_name(&spec.app));
    if let Some(l) = &spec.location {
        push(location(l));
    }
    if spec.location.is_none() && spec.naming.pattern.contains("{region}") {
        push(Err(region_needs_location()));
    }
    push(naming_pattern(&spec.naming.pattern));
    for (i, e) in spec.environments.iter().enumerate() {
        push(environment_name(e));
        if spec.environments[..i].contains(e) {
            push(Err(Diagnostic::new(
                Code::EnvironmentName,
                format!("environment `{e}` is declared twice"),
            )));
        }
    }
    for (k, v) in spec.tags.iter() {
        push(tag(k, v));
    }
    if let Some(m) = &spec.monitoring {
        push(retention_days(i64::from(m.retention_days)).map(drop));
        push(sampling_percentage(m.sampling_percentage).map(drop));
        if let Some(a) = &m.alerting {
            push(positive(i64::from(a.error_threshold), "error_threshold", Code::Monitoring).map(drop));
            push(
                positive(
                    i64::from(a.latency_threshold_ms),
                    "latency_threshold_ms",
                    Code::Monitoring,
                )
                .map(drop),
            );
            if let Some(address) = &a.email {
                push(email(address));
            }
        }
    }
    if let Some(c) = &spec.cors {
        for origin in c.allowed_origins.iter() {
            push(cors_origin(origin));
        }
    }
    if let Some(a) = spec.auth.audience() {
        push(audience(a));
    }
    if let Networking::Isolated(n) = &spec.networking {
        push(address_space(&n.address_space));
        if let Some(v) = &n.vnet_name {
            push(network_name(v, "vnet_name"));
        }
        if let Some(v) = &n.subnet_name {
            push(network_name(v, "subnet_name"));
        }
    }
    if let Some(a) = &spec.auto_scale {
        push(autoscale_max(i64::from(a.max_throughput), "max_throughput", Code::AutoScale).map(drop));
        push(target_utilization(i64::from(a.target_utilization)).map(drop));
    }
    let limits = &spec.limits;
    for (name, value) in [
        ("max_cosmos_accounts", limits.max_cosmos_accounts),
        ("max_function_apps", limits.max_function_apps),
        ("max_storage_accounts", limits.max_storage_accounts),
        ("max_throughput_per_database", limits.max_throughput_per_database),
    ] {
        // 0 for storage is reported as the unmeetable limit it is (ATK0405).
        if let Some(v) = value
            && name != "max_storage_accounts"
        {
            push(positive(i64::from(v), name, Code::LimitValue).map(drop));
        }
    }
    if spec.components.is_empty() {
        push(Err(Diagnostic::new(
            Code::EmptyBackend,
            format!("backend `{}` has no components", spec.type_name),
        )));
    }
    // (is a CRUD API, type name) → the field that declared it first; one lookup per component.
    let mut declared: std::collections::HashMap<(bool, &str), &str> = std::collections::HashMap::new();
    for c in spec.components.iter() {
        let key = match c {
            ComponentSpec::CrudApi { api, .. } => (true, api.type_name.as_ref()),
            ComponentSpec::FunctionsApp { app, .. } => (false, app.type_name.as_ref()),
        };
        if let Some(first) = declared.get(&key) {
            push(Err(Diagnostic::new(
                Code::DuplicateComponent,
                format!("`{first}` and `{}` declare the same component", c.field()),
            )));
        } else {
            declared.insert(key, c.field());
        }
        match c {
            ComponentSpec::CrudApi { api, .. } => {
                if let Some(seconds) = api.ttl {
                    push(ttl(i64::from(seconds)).map(drop));
                }
                let paths: Vec<&str> = api.partition_key.iter().map(|p| p.as_ref()).collect();
                push(partition_key_count(&paths));
                for p in &paths {
                    push(key_path_syntax(p, "partition_key", Code::PartitionKeySyntax));
                }
                push(resource_word(&api.container, "container"));
                push(resource_word(&api.entity_name, "entity_name"));
                if let Some(c) = &api.cache {
                    push(cache_ttl(i64::from(c.ttl)).map(drop));
                }
                if let Some(h) = &api.health_check {
                    push(health_check(
                        &h.path,
                        h.interval.into(),
                        h.timeout.into(),
                        h.unhealthy_threshold.into(),
                    ));
                }
                for (option, path) in [("owner", &api.owner), ("tenant", &api.tenant)] {
                    if let Some(p) = path {
                        push(isolation_path_syntax(p, option));
                    }
                }
                if let (Some(o), Some(t)) = (&api.owner, &api.tenant) {
                    push(isolation_paths_differ(o, t));
                }
                for (operation, role) in api.roles.required() {
                    push(role_name(role, operation));
                    push(role_operation_served(operation, api.operations));
                }
                for key in api.unique_keys.iter() {
                    if key.is_empty() {
                        push(Err(Diagnostic::new(
                            Code::UniqueKeys,
                            "a unique key needs at least one path",
                        )));
                    }
                    for p in key.iter() {
                        push(key_path_syntax(p, "unique_keys", Code::UniqueKeys));
                    }
                }
                if let Some(t) = &api.throughput {
                    if api.serverless {
                        push(Err(Diagnostic::new(
                            Code::ThroughputConflict,
                            format!("`{}` is serverless and has dedicated throughput", api.type_name),
                        )));
                    }
                    let (values, manual) = match t {
                        Throughput::Manual { rus } => (rus, true),
                        Throughput::Autoscale { max_rus } => (max_rus, false),
                    };
                    for v in values.default.iter().chain(values.values.iter().map(|(_, v)| v)) {
                        push(if manual {
                            throughput(i64::from(*v)).map(drop)
                        } else {
                            autoscale_max(i64::from(*v), "autoscale", Code::AutoscaleRange).map(drop)
                        });
                    }
                }
                if api.operations.0 == 0 {
                    push(Err(Diagnostic::new(
                        Code::Operations,
                        format!("`{}` serves no operations", api.type_name),
                    )));
                }
            }
            ComponentSpec::FunctionsApp { app, .. } => {
                push(memory_mb(i64::from(app.memory_mb)).map(drop));
                push(max_instances(i64::from(app.max_instances)).map(drop));
                push(always_ready(i64::from(app.always_ready), app.max_instances).map(drop));
                for f in app.functions.iter() {
                    function_spec(f).into_iter().for_each(|d| push(Err(d)));
                }
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_roles_audiences_and_isolation_paths() {
        for ok in ["Catalog.Write", "Orders.Admin", "a", "x:y/z-1_2~!"] {
            assert!(role_name(ok, "create").is_ok(), "{ok}");
        }
        for bad in ["", " ", "Catalog Write", ".Admin", "a\"b", "a\\b", "é"] {
            assert_eq!(role_name(bad, "create").unwrap_err().code, Code::RoleName, "{bad:?}");
        }
        assert!(role_name(&"r".repeat(249), "read").is_ok());
        assert!(role_name(&"r".repeat(250), "read").is_err());
        for ok in [
            "api://shop-api",
            "https://contoso.com/shop",
            "11111111-2222-3333-4444-555555555555",
        ] {
            assert!(audience(ok).is_ok(), "{ok}");
        }
        for bad in [
            "shop-api",
            "api://",
            "http://shop",
            "11111111-2222-3333-4444-55555555555",
            "api://a b",
        ] {
            assert_eq!(audience(bad).unwrap_err().code, Code::Auth, "{bad}");
        }
        assert!(isolation_path_syntax("/userId", "owner").is_ok());
        assert_eq!(
            isolation_path_syntax("/a/b", "owner").unwrap_err().code,
            Code::IsolationPath
        );
        assert_eq!(
            isolation_path_syntax("userId", "tenant").unwrap_err().code,
            Code::IsolationPath
        );
        assert_eq!(
            isolation_paths_differ("/t", "/t").unwrap_err().code,
            Code::IsolationSamePath
        );
        assert!(role_operation_served("list", Operations(Operations::READ | Operations::LIST)).is_ok());
        let e = role_operation_served("delete", Operations(Operations::READ | Operations::LIST)).unwrap_err();
        assert_eq!(
            (e.code, e.help.as_deref().map(|h| h.contains("read, list"))),
            (Code::RoleOperation, Some(true))
        );
    }

    #[test]
    fn ttl_bounds() {
        assert_eq!(ttl(-1).unwrap(), -1);
        assert_eq!(ttl(1).unwrap(), 1);
        assert_eq!(ttl(2_147_483_647).unwrap(), i32::MAX);
        for bad in [0, -2, 2_147_483_648] {
            assert_eq!(ttl(bad).unwrap_err().code, Code::TtlRange);
        }
    }

    #[test]
    fn throughput_steps() {
        assert_eq!(throughput(400).unwrap(), 400);
        assert_eq!(throughput(1_000_000).unwrap(), 1_000_000);
        let e = throughput(450).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("round to a multiple of 100, e.g. 500"));
        assert!(throughput(300).is_err());
        assert!(autoscale_max(4000, "autoscale", Code::AutoscaleRange).is_ok());
        assert!(autoscale_max(4500, "autoscale", Code::AutoscaleRange).is_err());
        assert!(autoscale_max(400, "autoscale", Code::AutoscaleRange).is_err());
    }

    #[test]
    fn paths() {
        assert!(key_path_syntax("/tenantId", "partition_key", Code::PartitionKeySyntax).is_ok());
        assert!(key_path_syntax("/address/zip", "partition_key", Code::PartitionKeySyntax).is_ok());
        let e = key_path_syntax("tenantId", "partition_key", Code::PartitionKeySyntax).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("write `/tenantId`"));
        assert!(key_path_syntax("/a/", "partition_key", Code::PartitionKeySyntax).is_err());
        assert!(key_path_syntax("/a*", "partition_key", Code::PartitionKeySyntax).is_err());
        assert!(partition_key_count(&["/a", "/b", "/c"]).is_ok());
        assert!(partition_key_count(&["/a", "/b", "/c", "/d"]).is_err());
        assert!(partition_key_count(&["/a", "/a"]).is_err());
    }

    #[test]
    fn words_regions_emails_patterns() {
        assert!(environment_name("production-eastus-blue").is_ok());
        assert!(environment_name("Prod").is_err());
        assert!(environment_name("a--b").is_err());
        assert!(location("eastus").is_ok());
        assert_eq!(
            location("East US").unwrap_err().help.as_deref(),
            Some("did you mean `eastus`?")
        );
        assert_eq!(
            location("westeurop").unwrap_err().help.as_deref(),
            Some("did you mean `westeurope`?")
        );
        assert!(email("ops@example.com").is_ok());
        assert!(email("ops@example").is_err());
        assert!(email("a b@example.com").is_err());
        assert!(naming_pattern("{type}-{app}-{env}-{purpose}").is_ok());
        assert_eq!(
            naming_pattern("{type}-{ap}").unwrap_err().help.as_deref(),
            Some("did you mean `{app}`?")
        );
        assert!(naming_pattern("{app}-{env}").is_err());
        assert!(address_space("10.0.0.0/16").is_ok());
        assert!(address_space("10.0.0/16").is_err());
        assert!(tag("cost_center", "engineering").is_ok());
        assert!(tag("a/b", "x").is_err());
    }

    #[test]
    fn functions_app_rules() {
        assert!(memory_mb(2048).is_ok());
        assert_eq!(
            memory_mb(1024).unwrap_err().help.as_deref(),
            Some("the nearest size is 512")
        );
        assert!(max_instances(0).is_err());
        assert!(max_instances(1).is_ok());
        assert!(max_instances(1001).is_err());
        assert!(always_ready(101, 100).is_err());
        assert!(always_ready(100, 100).is_ok());
    }

    #[test]
    fn health_checks() {
        assert!(health_check("/health", 30, 10, 3).is_ok());
        assert!(health_check("health", 30, 10, 3).is_err());
        assert!(health_check("/health", 30, 30, 3).is_err());
    }
}
