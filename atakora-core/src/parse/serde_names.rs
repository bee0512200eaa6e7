//! The names fields take in the serialized document, as serde writes them: `rename`,
//! `rename_all` (every case convention serde knows), `skip`/`skip_serializing`, `flatten`.

use syn::{Attribute, Expr, ExprLit, Fields, Lit};

/// One serialized field.
#[derive(Debug, Clone)]
pub(crate) struct SerializedField {
    /// The Rust field name (raw-identifier prefix removed).
    pub rust: String,
    /// The name in JSON.
    pub json: String,
    pub ty: syn::Type,
    /// `#[serde(default)]` on the field or the struct: a document may leave it out.
    pub has_default: bool,
}

#[derive(Debug, Default)]
pub(crate) struct SerializedFields {
    pub fields: Vec<SerializedField>,
    /// A `#[serde(flatten)]` field exists: its inner names cannot be seen from here.
    pub has_flatten: bool,
}

impl SerializedFields {
    pub fn get(&self, json: &str) -> Option<&SerializedField> {
        self.fields.iter().find(|f| f.json == json)
    }
}

/// Read the struct's `#[serde(...)]` attributes and its fields'.
pub(crate) fn serialized_fields(container_attrs: &[Attribute], fields: &Fields) -> SerializedFields {
    let mut rename_all: Option<String> = None;
    let mut container_default = false;
    serde_options(container_attrs, |meta| {
        if meta.path.is_ident("rename_all") {
            rename_all = serialize_name(meta)?.or(rename_all.take());
            return Ok(());
        }
        container_default |= meta.path.is_ident("default");
        skip_value(meta)
    });
    let mut out = SerializedFields::default();
    for field in fields.iter() {
        let Some(ident) = &field.ident else { continue };
        let rust = ident.to_string().trim_start_matches("r#").to_string();
        let (mut rename, mut skip, mut flatten, mut default) = (None, false, false, container_default);
        serde_options(&field.attrs, |meta| {
            let is = |name| meta.path.is_ident(name);
            if is("rename") {
                rename = serialize_name(meta)?.or(rename.take());
                return Ok(());
            }
            skip |= is("skip") || is("skip_serializing");
            flatten |= is("flatten");
            default |= is("default");
            skip_value(meta)
        });
        if flatten {
            out.has_flatten = true;
            continue;
        }
        if skip {
            continue;
        }
        let json = rename.unwrap_or_else(|| apply_case(&rust, rename_all.as_deref()));
        out.fields.push(SerializedField {
            rust,
            json,
            ty: field.ty.clone(),
            has_default: default,
        });
    }
    out
}

/// The JSON type a Rust type serializes to, read from its name (`Option<T>` is `T`'s), and
/// whether the type itself is optional.
pub(crate) fn json_type(ty: &syn::Type) -> (crate::spec::FieldType, bool) {
    use crate::spec::FieldType as F;
    match ty {
        syn::Type::Reference(r) => json_type(&r.elem),
        syn::Type::Group(g) => json_type(&g.elem),
        syn::Type::Paren(p) => json_type(&p.elem),
        syn::Type::Array(_) | syn::Type::Slice(_) | syn::Type::Tuple(_) => (F::Array, false),
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return (F::Object, false);
            };
            let first_arg = || match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                }),
                _ => None,
            };
            let name = last.ident.to_string();
            let ty = match name.as_str() {
                "Option" => return (first_arg().map_or(F::Object, |t| json_type(t).0), true),
                "Box" | "Rc" | "Arc" => return first_arg().map_or((F::Object, false), json_type),
                "String" | "str" | "char" | "Cow" | "PathBuf" | "Uuid" | "DateTime" | "NaiveDate" | "NaiveDateTime"
                | "Url" => F::Text,
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
                    F::Integer
                }
                "f32" | "f64" => F::Number,
                "bool" => F::Boolean,
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" => F::Array,
                _ => F::Object,
            };
            (ty, false)
        }
        _ => (F::Object, false),
    }
}

/// Visit each option of the `#[serde(...)]` attributes in `attrs`. A malformed one is
/// serde_derive's to report, with its own span: here it only stops reading that attribute.
fn serde_options(attrs: &[Attribute], mut visit: impl FnMut(&syn::meta::ParseNestedMeta) -> syn::Result<()>) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| visit(&meta));
    }
}

/// `key = "x"` or `key(serialize = "x", deserialize = "y")`: the serialize-side name.
fn serialize_name(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        let expr: Expr = meta.value()?.parse()?;
        return Ok(str_lit(&expr));
    }
    let mut found = None;
    meta.parse_nested_meta(|inner| {
        let expr: Expr = inner.value()?.parse()?;
        if inner.path.is_ident("serialize") {
            found = str_lit(&expr);
        }
        Ok(())
    })?;
    Ok(found)
}

fn str_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

/// Consume a serde option atakora does not need (`default`, `with = "..."`, `bound(...)`).
fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _group: proc_macro2::Group = meta.input.parse()?;
    }
    Ok(())
}

/// serde's `rename_all` on a snake_case field name.
pub(crate) fn apply_case(field: &str, case: Option<&str>) -> String {
    let words = || field.split('_').filter(|w| !w.is_empty());
    let capitalize = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    match case {
        Some("lowercase") => field.to_lowercase(),
        Some("UPPERCASE") => field.to_uppercase(),
        Some("PascalCase") => words().map(capitalize).collect(),
        Some("camelCase") => {
            let pascal: String = words().map(capitalize).collect();
            let mut c = pascal.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or_default()
        }
        Some("SCREAMING_SNAKE_CASE") => field.to_uppercase(),
        Some("kebab-case") => field.replace('_', "-"),
        Some("SCREAMING-KEBAB-CASE") => field.replace('_', "-").to_uppercase(),
        _ => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(apply_case("tenant_id", Some("camelCase")), "tenantId");
        assert_eq!(apply_case("tenant_id", Some("PascalCase")), "TenantId");
        assert_eq!(apply_case("tenant_id", Some("kebab-case")), "tenant-id");
        assert_eq!(apply_case("tenant_id", Some("SCREAMING-KEBAB-CASE")), "TENANT-ID");
        assert_eq!(apply_case("tenant_id", Some("SCREAMING_SNAKE_CASE")), "TENANT_ID");
        assert_eq!(apply_case("tenant_id", Some("lowercase")), "tenant_id");
        assert_eq!(apply_case("tenant_id", None), "tenant_id");
    }

    #[test]
    fn renames_skips_flatten() {
        let s: syn::DeriveInput = syn::parse_quote! {
            #[serde(rename_all = "camelCase")]
            struct User {
                id: String,
                tenant_id: String,
                #[serde(rename = "mail")] email: String,
                #[serde(skip)] cache: u8,
                #[serde(rename(serialize = "zip_code", deserialize = "zip"))] zip: String,
                #[serde(default, with = "x")] r#type: String,
            }
        };
        let syn::Data::Struct(d) = &s.data else { unreachable!() };
        let f = serialized_fields(&s.attrs, &d.fields);
        let names: Vec<_> = f.fields.iter().map(|f| f.json.as_str()).collect();
        assert_eq!(names, ["id", "tenantId", "mail", "zip_code", "type"]);
        assert!(!f.has_flatten);
    }
}
