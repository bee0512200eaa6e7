//! `cargo atakora`: validate, plan, price, graph, package and deploy the atakora backends of an
//! app crate from the command line, and run their functions locally (`invoke`). It reads the crate with the build helper's own code
//! (`atakora::build`), so it finds exactly the backends `cargo build` finds and resolves them
//! the same way. Human output goes to stderr (coloured on a terminal unless `NO_COLOR` is
//! set), data (`--format json`, templates, `--dry-run` commands) to stdout. `docs/cli.md` is
//! the user's guide.

#![warn(missing_docs)]

mod app;
mod az;
mod deploy;
mod graph;
mod init;
mod invoke;
mod package;
mod plan;
mod ui;
mod validate;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Infrastructure-from-code for Azure: review, price, document and deploy the backends your
/// crate declares.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-atakora",
    bin_name = "cargo atakora",
    version,
    about = "Validate, plan, price, graph, package and deploy the atakora backends of an app crate",
    after_help = "Run inside an app crate (or pass --manifest-path). Human output goes to stderr, data to stdout.\nSee docs/cli.md for every command, the JSON formats and the deploy workflow."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
struct Global {
    /// The app crate's Cargo.toml (default: the nearest one above the current folder).
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The app crate, when the manifest is a workspace's.
    #[arg(short, long, global = true, value_name = "NAME")]
    package: Option<String>,
    /// When to colour human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Human or machine output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable, on stderr.
    Human,
    /// JSON on stdout (stable, see docs/cli.md).
    Json,
}

/// The diagram formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// A Markdown page describing the architecture, with a Mermaid diagram.
    Markdown,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the templates, as `cargo build` does, without compiling the crate.
    Synth {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// The output folder (default: `<target dir>/atakora`); `-` prints the templates to stdout.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Report every mistake with its code, rendered like rustc; fails on errors.
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Show what each backend becomes: resources, changes since the last deployment, cost.
    Plan {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Compute final names for this resource group (`az group show --query id -o tsv`).
        #[arg(long, value_name = "ID")]
        resource_group_id: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Draw each backend's architecture: components, shared resources, identities, network.
    Graph {
        /// Output format (to stdout).
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// The environment to draw (default: each backend's first).
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Build the Functions deployment package of each app.
    Package {
        /// The environment.
        #[arg(long, value_name = "ENV")]
        env: String,
        /// Use this handler binary (built for Linux x86-64, e.g. with cargo-zigbuild) instead of
        /// `cargo build --release`.
        #[arg(long, value_name = "PATH")]
        handler: Option<PathBuf>,
        /// Features to build the handler with (`cargo build --release --features ...`), e.g.
        /// the one that turns on atakora's `serve-azure`.
        #[arg(long, value_name = "FEATURES", conflicts_with = "handler")]
        features: Option<String>,
    },
    /// Deploy one environment to a resource group with az: what-if, confirm, create, upload,
    /// health check, record.
    Deploy(DeployArgs),
    /// Record the current plans as deployed in atakora.lock (after a migration, or to adopt an
    /// existing deployment).
    Accept {
        /// The environment.
        #[arg(long, value_name = "ENV")]
        env: String,
        /// The resource group it lives in, to record.
        #[arg(long, value_name = "RG")]
        resource_group: Option<String>,
    },
    /// Run one function of the locally served backend now (its admin endpoint, loopback only).
    Invoke {
        /// The function's name (`process_order`, or `<app>.<function>` when two apps share it).
        function: String,
        /// Its input as JSON: a queue message, or a change-feed batch (an array of documents).
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
        /// The local server (default: http://127.0.0.1:$PORT, else :7071).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Create a new app crate that builds and serves, with a GitHub Actions workflow.
    Init {
        /// The crate's name (and folder); default: the current folder's name, created in place.
        name: Option<String>,
        /// Depend on atakora at this path instead of the registry.
        #[arg(long, value_name = "DIR")]
        atakora_path: Option<PathBuf>,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `cargo atakora deploy`'s options.
#[derive(Debug, Clone, Args)]
struct DeployArgs {
    /// The environment to deploy.
    #[arg(long, value_name = "ENV")]
    env: String,
    /// The resource group to deploy to (it must exist).
    #[arg(long, value_name = "RG")]
    resource_group: String,
    /// Only show what Azure would change.
    #[arg(long)]
    what_if: bool,
    /// Deploy without asking.
    #[arg(long)]
    yes: bool,
    /// Print the exact az commands, run none.
    #[arg(long)]
    dry_run: bool,
    /// Deploy a production environment even if this commit was not deployed to a
    /// non-production environment first.
    #[arg(long)]
    allow_direct_production: bool,
    /// Package this handler binary (built for Linux x86-64) instead of `cargo build --release`.
    #[arg(long, value_name = "PATH")]
    handler: Option<PathBuf>,
    /// Features to build the handler with (`cargo build --release --features ...`), e.g. the
    /// one that turns on atakora's `serve-azure`.
    #[arg(long, value_name = "FEATURES", conflicts_with = "handler")]
    features: Option<String>,
    /// The audience of the Entra ID tokens the CRUD APIs accept (the template's `apiAudience`
    /// parameter): the API app registration's application ID URI (`api://shop-api`) or client
    /// id. Required when the backend's `auth(entra(audience = ...))` gives no default.
    #[arg(long, value_name = "URI")]
    api_audience: Option<String>,
    /// Only this backend (by id, e.g. `api-backend`); default: every backend of the crate.
    #[arg(long, value_name = "ID")]
    backend: Option<String>,
    /// How many times to poll the health endpoint before giving up.
    #[arg(long, default_value_t = 30, value_name = "N")]
    health_attempts: u32,
    /// Seconds between health polls.
    #[arg(long, default_value_t = 10, value_name = "S")]
    health_interval: u64,
}

/// A command's failure: what to print and the exit status.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong (already rendered, possibly empty when it was printed).
    pub message: String,
    /// The exit status.
    pub status: u8,
}

impl Failure {
    /// A failure with status 1.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            status: 1,
        }
    }
}

impl From<atakora::build::BuildError> for Failure {
    fn from(e: atakora::build::BuildError) -> Self {
        Failure::new(e.to_string())
    }
}

/// The result of a command.
pub type Result<T> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    // As a cargo subcommand the binary is called `cargo-atakora atakora <command>`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "atakora") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let ui = ui::Ui::new(cli.global.color);
    match run(cli, &ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                ui.error(&f.message);
            }
            ExitCode::from(f.status)
        }
    }
}

fn run(cli: Cli, ui: &ui::Ui) -> Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "cargo-atakora", &mut std::io::stdout());
            Ok(())
        }
        Command::Init { name, atakora_path } => init::run(ui, name, atakora_path),
        Command::Invoke { function, input, url } => invoke::run(ui, &function, input.as_deref(), url.as_deref()),
        Command::Synth { env, out } => {
            let app = app::App::open(g)?;
            app.synth(ui, env.as_deref(), out)
        }
        Command::Validate { format } => validate::run(ui, &app::App::open(g)?, format),
        Command::Plan {
            env,
            resource_group_id,
            format,
        } => plan::run(
            ui,
            &app::App::open(g)?,
            env.as_deref(),
            resource_group_id.as_deref(),
            format,
        ),
        Command::Graph { format, env } => graph::run(&app::App::open(g)?, format, env.as_deref()),
        Command::Package { env, handler, features } => {
            let app = app::App::open(g)?;
            for (_, _, zip) in package::run(ui, &app, &env, handler, features)? {
                println!("{}", zip.display());
            }
            Ok(())
        }
        Command::Deploy(args) => deploy::run(ui, &app::App::open(g)?, &args),
        Command::Accept { env, resource_group } => deploy::accept(ui, &app::App::open(g)?, &env, resource_group),
    }
}
