//! Where the things a diagnostic is about are written: the backend struct, its fields, the
//! attribute options (dotted for nested ones), as line/column spans of the files read.

use super::report::Location;
use atakora_core::diag::Subject;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An annotated struct: its file, name, attribute arguments and fields.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub file: PathBuf,
    pub ident: Span,
    /// The atakora attribute (the whole `#[...]`).
    pub attr: Span,
    /// The attribute's arguments.
    pub args: TokenStream,
    /// Field name → (span of the whole field, the last segment of its type's path).
    pub fields: Vec<(String, Span, Option<String>)>,
}

/// Every annotated struct of the crate (and of the dependencies searched), with the text of
/// every file read.
#[derive(Debug, Default, Clone)]
pub struct SourceIndex {
    pub(crate) base: PathBuf,
    pub(crate) texts: BTreeMap<PathBuf, String>,
    pub(crate) backends: BTreeMap<String, Site>,
    pub(crate) components: BTreeMap<String, Site>,
}

fn start_end(s: Span) -> ((usize, usize), (usize, usize)) {
    let (a, b) = (s.start(), s.end());
    ((a.line, a.column), (b.line, b.column))
}

impl SourceIndex {
    /// The place of `span` in `file`.
    pub(crate) fn at(&self, file: &Path, span: Span) -> Option<Location> {
        self.between(file, span, span)
    }

    /// From the start of `from` to the end of `to`, in `file`.
    pub(crate) fn between(&self, file: &Path, from: Span, to: Span) -> Option<Location> {
        let text = self.texts.get(file)?;
        let (start, _) = start_end(from);
        let (_, end) = start_end(to);
        if start.0 == 0 {
            return None;
        }
        Location::of(file, &self.base, text, start, end)
    }

    /// The place a subject names: an option of a component's or the backend's attribute,
    /// else the component's field, else the backend's name.
    pub fn locate(&self, subject: &Subject) -> Option<Location> {
        let backend = self.backends.get(subject.backend.as_deref()?)?;
        let option: Option<Vec<&str>> = subject.option.as_deref().map(|o| o.split('.').collect());
        if let Some(field) = &subject.component {
            let (_, field_span, ty) = backend.fields.iter().find(|(n, _, _)| n == field)?;
            if let (Some(path), Some(site)) = (&option, ty.as_ref().and_then(|t| self.components.get(t)))
                && let Some((a, b)) = find_option(&site.args, path)
            {
                return self.between(&site.file, a, b);
            }
            return self.at(&backend.file, *field_span);
        }
        if let Some(path) = &option
            && let Some((a, b)) = find_option(&backend.args, path)
        {
            return self.between(&backend.file, a, b);
        }
        self.at(&backend.file, backend.ident)
    }

    /// The option `option` of the attribute on the component type `type_name`, else the
    /// attribute itself.
    pub fn locate_component_option(&self, type_name: &str, option: &str) -> Option<Location> {
        let site = self.components.get(type_name)?;
        match find_option(&site.args, &option.split('.').collect::<Vec<_>>()) {
            Some((a, b)) => self.between(&site.file, a, b),
            None => self.at(&site.file, site.attr),
        }
    }

    /// The field `field` of backend `backend` (its whole declaration).
    pub fn locate_field(&self, backend: &str, field: &str) -> Option<Location> {
        let site = self.backends.get(backend)?;
        let (_, span, _) = site.fields.iter().find(|(n, _, _)| n == field)?;
        self.at(&site.file, *span)
    }
}

/// The first and last token of `name = value` or `name(...)` at the top level of `args`,
/// following `path` into nested groups.
fn find_option(args: &TokenStream, path: &[&str]) -> Option<(Span, Span)> {
    let (first, rest) = path.split_first()?;
    let tokens: Vec<TokenTree> = args.clone().into_iter().collect();
    for segment in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let Some(TokenTree::Ident(id)) = segment.first() else {
            continue;
        };
        if id != first {
            continue;
        }
        if !rest.is_empty() {
            let inner = segment.iter().find_map(|t| match t {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => Some(g.stream()),
                _ => None,
            });
            if let Some(found) = inner.and_then(|s| find_option(&s, rest)) {
                return Some(found);
            }
        }
        let last = segment.last()?;
        return Some((id.span(), last.span()));
    }
    None
}
