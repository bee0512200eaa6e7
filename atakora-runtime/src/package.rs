//! The deployment package of a backend's API Function App (Flex Consumption, custom handler):
//! `released-package.zip` with the handler binary (mode 0755), `host.json` and one
//! `function.json` per route of the [route table](crate::Service::routes).

use crate::api::{Route, Service};
use atakora_core::Plan;
use atakora_core::contract;
use atakora_core::plan::{AppFunctions, PlannedFunction, PlannedTrigger};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The package's file name: what Flex Consumption runs from the deployment container.
pub const PACKAGE_NAME: &str = contract::package::FILE;
/// The handler's name in the package (`host.json`'s `defaultExecutablePath`).
pub const EXECUTABLE: &str = "handler";

/// The newest glibc the package may need: 2.31, Debian 11 (bullseye), the oldest base of the
/// Functions host images in use. The Flex image's glibc is not documented, so the check
/// assumes the oldest.
pub const FLEX_GLIBC: (u32, u32) = (2, 31);

/// Why a package could not be built.
#[derive(Debug)]
pub enum PackageError {
    /// Reading the binary or writing the zip failed.
    Io(PathBuf, std::io::Error),
    /// The binary is not a Linux x86-64 ELF executable.
    NotLinuxX86_64(String),
    /// The binary needs a newer glibc than the Flex image has.
    Glibc {
        /// The newest `GLIBC_x.y` it needs.
        needed: (u32, u32),
        /// The newest allowed.
        allowed: (u32, u32),
    },
    /// The zip could not be written.
    Zip(String),
}

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            PackageError::NotLinuxX86_64(m) => write!(f, "the handler must be a Linux x86-64 executable: {m}"),
            PackageError::Glibc { needed, allowed } => write!(
                f,
                "the handler needs GLIBC_{}.{} but the Flex Consumption image is assumed to offer {}.{}: build it \
                 against an older glibc, e.g. `cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.28` \
                 (cargo-zigbuild from crates.io, zig from the `ziglang` PyPI package), or statically with musl",
                needed.0, needed.1, allowed.0, allowed.1
            ),
            PackageError::Zip(m) => write!(f, "zip: {m}"),
        }
    }
}

impl std::error::Error for PackageError {}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip file.
    pub path: PathBuf,
    /// Every entry with its unix mode, in the zip's order.
    pub entries: Vec<(String, u32)>,
    /// The newest glibc version the handler needs (`None`: static, no glibc).
    pub glibc: Option<(u32, u32)>,
}

/// The Functions extension bundle: queue (extension 5.x) and Cosmos DB (4.x) triggers; HTTP
/// and timer triggers are built in.
pub const EXTENSION_BUNDLE: &str = "[4.*, 5.0.0)";

/// `host.json`: the custom handler with HTTP proxying, and the route prefix from the contract.
pub fn host_json() -> Value {
    json!({
        "version": "2.0",
        "extensionBundle": { "id": "Microsoft.Azure.Functions.ExtensionBundle", "version": EXTENSION_BUNDLE },
        "customHandler": {
            "description": { "defaultExecutablePath": EXECUTABLE, "workingDirectory": "", "arguments": [] },
            "enableProxyingHttpRequest": true
        },
        "extensions": { "http": { "routePrefix": contract::HOST_ROUTE_PREFIX } }
    })
}

/// The function's folder name for a route: `/api/users/{id}` → `api_users_id`.
pub fn function_name(route: &Route) -> String {
    let name: String = route
        .path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = name.split('_').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("_");
    if name.is_empty() { "root".into() } else { name }
}

/// A route's `function.json`: an anonymous HTTP trigger on its path and methods.
pub fn function_json(route: &Route) -> Value {
    json!({
        "bindings": [
            {
                "type": "httpTrigger",
                "direction": "in",
                "name": "req",
                "authLevel": contract::AUTH_LEVEL,
                "methods": route.methods.iter().map(|m| m.to_ascii_lowercase()).collect::<Vec<_>>(),
                "route": route.path.trim_start_matches('/')
            },
            { "type": "http", "direction": "out", "name": "res" }
        ]
    })
}

/// The package's files other than the binary: `(path, content)`, deterministic.
pub fn files(service: &Service) -> Vec<(String, String)> {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    let mut out = vec![("host.json".to_string(), pretty(&host_json()))];
    let mut seen = std::collections::BTreeSet::new();
    for route in service.routes() {
        let mut name = function_name(&route);
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = format!("{}_{n}", function_name(&route));
            n += 1;
        }
        out.push((format!("{name}/function.json"), pretty(&function_json(&route))));
    }
    out
}

/// `host.json` of a functions app: the custom handler, HTTP proxying for its HTTP functions,
/// the extension bundle only when a queue or change-feed function needs it (HTTP and timer
/// triggers are built into the host), and for queues plain JSON messages
/// (`messageEncoding: none`; the default expects base64) with the app's `maxDequeueCount`.
pub fn functions_host_json(app: &AppFunctions) -> Value {
    let needs_bundle = app
        .functions
        .iter()
        .any(|f| matches!(f.trigger, PlannedTrigger::Queue { .. } | PlannedTrigger::Changes { .. }));
    let proxies = app
        .functions
        .iter()
        .any(|f| matches!(f.trigger, PlannedTrigger::Http { .. }));
    let mut host = json!({ "version": "2.0" });
    if needs_bundle {
        host["extensionBundle"] =
            json!({ "id": "Microsoft.Azure.Functions.ExtensionBundle", "version": EXTENSION_BUNDLE });
    }
    host["customHandler"] = json!({
        "description": { "defaultExecutablePath": EXECUTABLE, "workingDirectory": "", "arguments": [] },
        "enableProxyingHttpRequest": proxies
    });
    let mut extensions = json!({ "http": { "routePrefix": contract::HOST_ROUTE_PREFIX } });
    if let Some(n) = app.max_attempts {
        extensions["queues"] = json!({ "messageEncoding": "none", "maxDequeueCount": n });
    }
    host["extensions"] = extensions;
    host
}

/// One function's `function.json` in a functions app of `plan`.
pub fn trigger_function_json(plan: &Plan, app: &AppFunctions, f: &PlannedFunction) -> Value {
    let binding = contract::functions::binding(&f.trigger);
    match &f.trigger {
        PlannedTrigger::Queue { queue } => json!({
            "bindings": [{
                "type": "queueTrigger",
                "direction": "in",
                "name": binding,
                "queueName": queue,
                "connection": contract::settings::QUEUES
            }]
        }),
        PlannedTrigger::Timer { schedule } => json!({
            "bindings": [{
                "type": "timerTrigger",
                "direction": "in",
                "name": binding,
                "schedule": schedule,
                "runOnStartup": false,
                "useMonitor": true
            }]
        }),
        PlannedTrigger::Changes {
            account,
            database,
            container,
            ..
        } => {
            let leases = app
                .leases
                .as_ref()
                .map_or(atakora_core::resolve::LEASES_CONTAINER, |l| l.name.as_str());
            json!({
                "bindings": [{
                    "type": "cosmosDBTrigger",
                    "direction": "in",
                    "name": binding,
                    "connection": plan.cosmos_accounts[*account].role.connection(),
                    "databaseName": database,
                    "containerName": container,
                    "leaseContainerName": leases,
                    // The data plane cannot create containers with Entra ID: the template does.
                    "createLeaseContainerIfNotExists": false,
                    // Apps and functions share the database's leases container.
                    "leaseContainerPrefix": format!("{}.{}.", app.app, f.name),
                    "startFromBeginning": false
                }],
                // Without a retry policy a failed batch is skipped for good.
                "retry": contract::functions::change_feed_retry()
            })
        }
        PlannedTrigger::Http { route, methods } => json!({
            "bindings": [
                {
                    "type": "httpTrigger",
                    "direction": "in",
                    "name": binding,
                    "authLevel": contract::AUTH_LEVEL,
                    "methods": methods,
                    "route": route
                },
                { "type": "http", "direction": "out", "name": "res" }
            ]
        }),
    }
}

/// The files of functions app `app`'s package other than the binary: `host.json` and one
/// `<function>/function.json` per function, deterministic.
pub fn functions_files(plan: &Plan, app: &AppFunctions) -> Vec<(String, String)> {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    let mut out = vec![("host.json".to_string(), pretty(&functions_host_json(app)))];
    for f in &app.functions {
        out.push((
            format!("{}/function.json", f.name),
            pretty(&trigger_function_json(plan, app, f)),
        ));
    }
    out
}

/// Write `out_dir/released-package.zip` for `service` with `binary` as the handler, after
/// checking that it is a Linux x86-64 executable needing at most glibc `max_glibc`
/// ([`FLEX_GLIBC`] unless you know the image better).
pub fn build(service: &Service, binary: &Path, out_dir: &Path, max_glibc: (u32, u32)) -> Result<Package, PackageError> {
    write_zip(files(service), binary, out_dir, max_glibc)
}

/// Write `out_dir/released-package.zip` for functions app `app` of `plan` with `binary` as
/// its custom handler (the same checks as [`build`]).
pub fn build_functions(
    plan: &Plan,
    app: &AppFunctions,
    binary: &Path,
    out_dir: &Path,
    max_glibc: (u32, u32),
) -> Result<Package, PackageError> {
    write_zip(functions_files(plan, app), binary, out_dir, max_glibc)
}

fn write_zip(
    files: Vec<(String, String)>,
    binary: &Path,
    out_dir: &Path,
    max_glibc: (u32, u32),
) -> Result<Package, PackageError> {
    let bytes = std::fs::read(binary).map_err(|e| PackageError::Io(binary.to_path_buf(), e))?;
    let glibc = required_glibc(&bytes)?;
    if let Some(needed) = glibc
        && needed > max_glibc
    {
        return Err(PackageError::Glibc {
            needed,
            allowed: max_glibc,
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|e| PackageError::Io(out_dir.to_path_buf(), e))?;
    let path = out_dir.join(PACKAGE_NAME);
    let tmp = out_dir.join(format!(".{PACKAGE_NAME}.tmp"));
    let file = std::fs::File::create(&tmp).map_err(|e| PackageError::Io(tmp.clone(), e))?;
    let mut zip = zip::ZipWriter::new(file);
    let zerr = |e: zip::result::ZipError| PackageError::Zip(e.to_string());
    // A fixed timestamp: the same inputs give the same bytes.
    let time = zip::DateTime::from_date_and_time(2020, 1, 1, 0, 0, 0).map_err(|e| PackageError::Zip(e.to_string()))?;
    let opts = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(mode)
    };
    let mut entries = Vec::new();
    zip.start_file(EXECUTABLE, opts(0o755)).map_err(zerr)?;
    zip.write_all(&bytes).map_err(|e| PackageError::Io(tmp.clone(), e))?;
    entries.push((EXECUTABLE.to_string(), 0o755));
    for (name, content) in files {
        zip.start_file(name.as_str(), opts(0o644)).map_err(zerr)?;
        zip.write_all(content.as_bytes())
            .map_err(|e| PackageError::Io(tmp.clone(), e))?;
        entries.push((name, 0o644));
    }
    zip.finish().map_err(zerr)?;
    std::fs::rename(&tmp, &path).map_err(|e| PackageError::Io(path.clone(), e))?;
    Ok(Package { path, entries, glibc })
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
}
fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}
fn u64_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])) as usize)
}
fn c_str(b: &[u8], at: usize) -> Option<&str> {
    let rest = b.get(at..)?;
    let end = rest.iter().position(|c| *c == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// The newest `GLIBC_x.y` version an ELF64 x86-64 executable needs, read from its
/// `.gnu.version_r` section (`None` when it needs no glibc, e.g. a static musl binary).
pub fn required_glibc(elf: &[u8]) -> Result<Option<(u32, u32)>, PackageError> {
    let bad = |m: &str| PackageError::NotLinuxX86_64(m.to_string());
    if elf.get(..4) != Some(b"\x7fELF") {
        return Err(bad("not an ELF file"));
    }
    if elf.get(4) != Some(&2) || elf.get(5) != Some(&1) {
        return Err(bad("not a 64-bit little-endian ELF file"));
    }
    if u16_at(elf, 18) != Some(0x3e) {
        return Err(bad("not built for x86-64"));
    }
    let truncated = || bad("truncated section table");
    let shoff = u64_at(elf, 0x28).ok_or_else(truncated)?;
    let shentsize = u16_at(elf, 0x3a).ok_or_else(truncated)?;
    let shnum = u16_at(elf, 0x3c).ok_or_else(truncated)?;
    let section = |i: usize| -> Option<(u32, usize, usize, usize, usize)> {
        let at = shoff + i * shentsize;
        Some((
            u32_at(elf, at + 4)? as u32,
            u64_at(elf, at + 0x18)?,
            u64_at(elf, at + 0x20)?,
            u32_at(elf, at + 0x28)?,
            u32_at(elf, at + 0x2c)?,
        ))
    };
    const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
    let mut newest: Option<(u32, u32)> = None;
    for i in 0..shnum {
        let Some((kind, offset, _size, link, info)) = section(i) else {
            return Err(truncated());
        };
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let (_, strtab, _, _, _) = section(link).ok_or_else(truncated)?;
        // `info` Verneed entries: vn_cnt(2) vn_file(4) vn_aux(4) vn_next(4).
        let mut need = offset;
        for _ in 0..info {
            let cnt = u16_at(elf, need + 2).ok_or_else(truncated)?;
            let mut aux = need + u32_at(elf, need + 8).ok_or_else(truncated)?;
            for _ in 0..cnt {
                // Vernaux: hash(4) flags(2) other(2) name(4) next(4).
                let name = u32_at(elf, aux + 8).ok_or_else(truncated)?;
                if let Some(v) = c_str(elf, strtab + name)
                    .and_then(|s| s.strip_prefix("GLIBC_"))
                    .and_then(|v| {
                        let mut it = v.split('.');
                        Some((it.next()?.parse().ok()?, it.next().unwrap_or("0").parse().ok()?))
                    })
                {
                    newest = newest.max(Some(v));
                }
                aux += u32_at(elf, aux + 12).ok_or_else(truncated)?;
            }
            let next = u32_at(elf, need + 12).ok_or_else(truncated)?;
            if next == 0 {
                break;
            }
            need += next;
        }
    }
    Ok(newest)
}
