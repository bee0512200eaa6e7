//! `atakora::serve::<B>()`: serve every `CrudApi<T>` of backend `B` over HTTP (feature
//! `serve`), and build its Azure Functions package. The contract is in `docs/runtime.md`.

use crate::Backend;
use atakora_core::contract::package as contract;
use std::path::Path;
use std::process::ExitCode;

pub use atakora_runtime::package::{FLEX_GLIBC, Package, PackageError};
pub use atakora_runtime::{Route, Service};

/// Serve backend `B` until SIGINT/SIGTERM: on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` in
/// Azure, else `$PORT`, else 7071 (`PORT=0` picks a free port); from the store
/// `ATAKORA_STORE` names (`sqlite:<path>`, `memory`, `cosmos`), by default Cosmos DB when
/// `COSMOS__accountEndpoint` is set and `.atakora/<backend>.db` otherwise. The routes are
/// printed on stderr, one JSON line per request on stdout.
///
/// ```ignore
/// fn main() -> std::process::ExitCode { atakora::serve::<ShopBackend>() }
/// ```
///
/// Run by `cargo atakora package` (with `ATAKORA_PACKAGE_OUT` set), it writes the API app's
/// deployment package with this very binary as the handler, and exits, instead of serving.
pub fn serve<B: Backend>() -> ExitCode {
    if let Some(out) = std::env::var_os(contract::OUT_ENV) {
        return package_self::<B>(Path::new(&out));
    }
    atakora_runtime::run(B::spec(), B::components())
}

/// The `cargo atakora package` side of [`serve`]: package the running executable for `B`.
fn package_self<B: Backend>(out: &Path) -> ExitCode {
    let id = crate::spec::kebab_case(&B::spec().type_name);
    if let Ok(wanted) = std::env::var(contract::BACKEND_ENV)
        && wanted != id
    {
        eprintln!(
            "atakora: this binary serves backend `{id}`, not `{wanted}`: package `{wanted}` with the binary that serves it"
        );
        return ExitCode::FAILURE;
    }
    let result = std::env::current_exe()
        .map_err(|e| format!("cannot find this executable: {e}"))
        .and_then(|exe| package::<B>(&exe, out).map_err(|e| e.to_string()));
    match result {
        Ok(p) => {
            eprintln!("atakora: wrote {}", p.path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("atakora: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The served APIs and route table of backend `B`.
pub fn service<B: Backend>() -> Service {
    Service::new(B::spec(), B::components())
}

/// Write `out_dir/released-package.zip` for `B`'s API Function App with `binary` as its custom
/// handler; the binary must be a Linux x86-64 executable needing at most [`FLEX_GLIBC`].
pub fn package<B: Backend>(binary: &Path, out_dir: &Path) -> Result<Package, PackageError> {
    atakora_runtime::package::build(&service::<B>(), binary, out_dir, FLEX_GLIBC)
}
