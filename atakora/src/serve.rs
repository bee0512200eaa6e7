//! `atakora::serve::<B>()`: serve every `CrudApi<T>` of backend `B` over HTTP (feature
//! `serve`), and build its Azure Functions package. The contract is in `docs/runtime.md`.

use crate::Backend;
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
pub fn serve<B: Backend>() -> ExitCode {
    atakora_runtime::run(B::spec(), B::components())
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
