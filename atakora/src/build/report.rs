//! Findings with their place in the source, rendered like rustc's diagnostics.
//!
//! The build helper (through cargo's build-script error channel) and `cargo atakora validate`
//! render the same [`Finding`]s with the same code, so a mistake reads the same in both.

use atakora_core::diag::{Code, Diagnostic};
use serde::Serialize;
use std::path::Path;

/// A diagnostic with where it points and which environments it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Code, severity, message, help and subject.
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    /// The environments whose plans report it (empty: not environment-specific).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// Where in the source it points, when the build helper can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A span of a source file: 1-based lines and columns (columns count characters), the end
/// exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The file, relative to the crate's folder when it is inside it.
    pub file: String,
    /// First line.
    pub line: usize,
    /// First column.
    pub column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column after the span's last character.
    pub end_column: usize,
    /// The text of lines `line..=end_line`.
    #[serde(skip)]
    pub source: String,
    /// The span as byte offsets into `source`.
    #[serde(skip)]
    pub range: (usize, usize),
}

impl Location {
    /// The span `start..end` (proc-macro2 line/column pairs: 1-based lines, 0-based character
    /// columns) of `text`, read from `file`; `base` is the crate's folder.
    pub fn of(file: &Path, base: &Path, text: &str, start: (usize, usize), end: (usize, usize)) -> Option<Location> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let (first, last) = (start.0.max(1), end.0.max(start.0).max(1));
        if first > lines.len() {
            return None;
        }
        let last = last.min(lines.len());
        let source: String = lines[first - 1..last].concat();
        let byte_of = |line: usize, col: usize| -> usize {
            // Offset of (line, col) from the start of `source`.
            let before: usize = lines[first - 1..line - 1].iter().map(|l| l.len()).sum();
            let l = lines[line - 1];
            before
                + l.char_indices()
                    .nth(col)
                    .map_or(l.trim_end_matches('\n').len(), |(i, _)| i)
        };
        let (s, mut e) = (byte_of(first, start.1), byte_of(last, end.1));
        if e <= s {
            e = (s + 1).min(source.trim_end_matches('\n').len().max(s));
        }
        let file = file.strip_prefix(base).unwrap_or(file).display().to_string();
        Some(Location {
            file,
            line: first,
            column: start.1 + 1,
            end_line: last,
            end_column: end.1 + 1,
            source: source.trim_end_matches('\n').to_string(),
            range: (s, e),
        })
    }
}

impl Finding {
    /// A finding without a place.
    pub fn new(diagnostic: Diagnostic) -> Finding {
        Finding {
            diagnostic,
            environments: Vec::new(),
            location: None,
        }
    }

    /// The finding of a parse error's text (`ATK0110: message\n\n= help: ...`).
    pub fn from_message(text: &str) -> Finding {
        let (code, rest) = match text.split_once(": ") {
            Some((c, rest)) => match Code::ALL.iter().find(|k| k.as_str() == c) {
                Some(k) => (*k, rest),
                None => (Code::Syntax, text),
            },
            None => (Code::Syntax, text),
        };
        let (message, help) = match rest.split_once("\n\n= help: ") {
            Some((m, h)) => (m, Some(h.to_string())),
            None => (rest, None),
        };
        Finding::new(Diagnostic::new(code, message.trim_end()).help_opt(help))
    }

    /// The finding rendered like rustc's (`error[ATK0120]: ...`, `--> file:line:col`, the source
    /// line with the span underlined, `= help: ...`), with ANSI colours when `color`.
    pub fn render(&self, color: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let d = &self.diagnostic;
        let level = if d.is_error() { Level::ERROR } else { Level::WARNING };
        let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code.as_str()));
        if let Some(loc) = &self.location {
            group = group.element(
                Snippet::source(loc.source.as_str())
                    .line_start(loc.line)
                    .path(loc.file.as_str())
                    .annotation(AnnotationKind::Primary.span(loc.range.0..loc.range.1)),
            );
        }
        let context = self.context();
        if let Some(c) = &context {
            group = group.element(Level::NOTE.message(c.as_str()));
        }
        if let Some(h) = &d.help {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        renderer.render(&[group]).to_string()
    }

    /// One line: `src/lib.rs:3:5: ATK0908: message (help: ...)`.
    pub fn one_line(&self) -> String {
        let d = &self.diagnostic;
        let at = self
            .location
            .as_ref()
            .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
            .unwrap_or_default();
        let context = self.context().map(|c| format!(" ({c})")).unwrap_or_default();
        let help = d.help.as_ref().map(|h| format!(" (help: {h})")).unwrap_or_default();
        format!("{at}{}: {}{context}{help}", d.code, d.message)
    }

    /// `in backend `X`, environments `dev`, `prod``.
    fn context(&self) -> Option<String> {
        let backend = self.diagnostic.subject.as_ref().and_then(|s| s.backend.as_deref());
        let envs = match self.environments.as_slice() {
            [] => None,
            [one] => Some(format!("environment `{one}`")),
            many => Some(format!(
                "environments {}",
                many.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        match (backend, envs) {
            (None, None) => None,
            (Some(b), None) => Some(format!("in backend `{b}`")),
            (None, Some(e)) => Some(format!("in {e}")),
            (Some(b), Some(e)) => Some(format!("in backend `{b}`, {e}")),
        }
    }
}

/// Merge findings that differ only by environment, keeping the first one's place in the list.
pub fn merge(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        match out
            .iter_mut()
            .find(|o| o.diagnostic == f.diagnostic && o.location == f.location)
        {
            Some(o) => {
                for e in f.environments {
                    if !o.environments.contains(&e) {
                        o.environments.push(e);
                    }
                }
            }
            None => out.push(f),
        }
    }
    out
}
