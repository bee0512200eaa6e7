//! `cargo atakora validate`: every diagnostic of every backend and environment, rendered like
//! rustc's (or as JSON), with a failing status when there are errors.

use crate::app::{App, pretty};
use crate::ui::Ui;
use crate::{Failure, Format, Result};
use serde_json::json;

/// The JSON format's version (`docs/cli.md` documents it).
pub const JSON_VERSION: u32 = 1;

/// Run `validate`.
pub fn run(ui: &Ui, app: &App, format: Format) -> Result<()> {
    let project = app.load(None)?;
    let errors = project.errors().count();
    let warnings = project.warnings().count();
    match format {
        Format::Json => {
            println!(
                "{}",
                pretty(&json!({
                    "version": JSON_VERSION,
                    "crate": app.name,
                    "errors": errors,
                    "warnings": warnings,
                    "diagnostics": project.findings,
                }))
            );
        }
        Format::Human => {
            for f in &project.findings {
                ui.line(f.render(ui.color).trim_end());
                ui.line("");
            }
            let backends = project.sources.backends.len();
            let summary = format!(
                "`{}`: {backends} backend{}, {} plan{}: {errors} error{}, {warnings} warning{}",
                app.name,
                plural(backends),
                project.plans.len(),
                plural(project.plans.len()),
                plural(errors),
                plural(warnings)
            );
            if errors == 0 {
                ui.line(&format!("{} {summary}", ui.green(&ui.bold("ok:"))));
            } else {
                ui.line(&format!("{} {summary}", ui.red(&ui.bold("failed:"))));
            }
        }
    }
    if errors > 0 {
        return Err(Failure {
            message: String::new(),
            status: 1,
        });
    }
    Ok(())
}

/// `s` unless one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
