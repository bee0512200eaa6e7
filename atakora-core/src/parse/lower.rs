//! Specs as Rust expressions: what the macros emit is the spec itself, as `const` data.
//!
//! A literal is written tersely, in a block that imports `::atakora::__private::spec::literal`
//! (the spec types, `Some`/`None`, and `B` for `Cow::Borrowed`), and a CRUD API's leaves out
//! every option at its default: an app of thousands of entities compiles thousands of these,
//! and each path and value in them costs compile time. Every path goes through
//! `::atakora::__private`, so users depend on `atakora` alone; the block holds nothing of the
//! user's, so its import cannot shadow a user's name.

use crate::spec::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::borrow::Cow;

pub(crate) trait Lower {
    /// The value as an expression in the scope [`literal`] opens.
    fn lower(&self) -> TokenStream;
}

/// `value` as a self-contained expression: its terse form in a block with the import it needs.
pub(crate) fn literal<T: Lower + ?Sized>(value: &T) -> TokenStream {
    in_scope(value.lower())
}

fn in_scope(lowered: TokenStream) -> TokenStream {
    quote!({
        use ::atakora::__private::spec::literal::*;
        #lowered
    })
}

impl Lower for str {
    fn lower(&self) -> TokenStream {
        quote!(B(#self))
    }
}

impl Lower for Cow<'static, str> {
    fn lower(&self) -> TokenStream {
        self.as_ref().lower()
    }
}

/// Scalars are their own literal.
macro_rules! lower_literal {
    ($($ty:ty),*) => {$(
        impl Lower for $ty {
            fn lower(&self) -> TokenStream {
                quote!(#self)
            }
        }
    )*};
}

lower_literal!(u32, i32, bool, f64);

impl<T: Lower> Lower for Option<T> {
    fn lower(&self) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.lower();
                quote!(Some(#v))
            }
            None => quote!(None),
        }
    }
}

impl<T: Lower + Clone> Lower for Cow<'static, [T]> {
    fn lower(&self) -> TokenStream {
        let items = self.iter().map(Lower::lower);
        quote!(B(&[#(#items),*]))
    }
}

impl<A: Lower, B: Lower> Lower for (A, B) {
    fn lower(&self) -> TokenStream {
        let (a, b) = (self.0.lower(), self.1.lower());
        quote!((#a, #b))
    }
}

/// `Type { field: lowered, ..., extra: tokens }`: the struct expression for a spec.
macro_rules! lower_fields {
    ($self:expr, $ty:ident { $($field:ident),* } $(, $extra:ident = $value:expr)?) => {{
        $( let $field = $self.$field.lower(); )*
        $( let $extra = $value; )?
        quote!($ty { $( $field: #$field, )* $( $extra: #$extra )? })
    }};
}

/// `Lower` for a spec struct whose every field lowers.
macro_rules! lower_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl Lower for $ty {
            fn lower(&self) -> TokenStream {
                lower_fields!(self, $ty { $($field),* })
            }
        }
    };
}

/// Only what differs from [`CrudApiSpec::BASE`], which completes the literal: most entities
/// set few options.
impl Lower for CrudApiSpec {
    fn lower(&self) -> TokenStream {
        let base = CrudApiSpec::BASE;
        let mut set = Vec::new();
        // Every field, destructured: a field added to the spec and not here does not compile
        // (with `..BASE` completing the literal, it would silently take the default).
        macro_rules! differing {
            ($($field:ident),* $(,)?) => {
                let CrudApiSpec { $($field),* } = self;
                $(
                    if *$field != base.$field {
                        let value = $field.lower();
                        set.push(quote!($field: #value));
                    }
                )*
            };
        }
        differing!(
            type_name,
            entity_name,
            container,
            partition_key,
            ttl,
            throughput,
            serverless,
            operations,
            cache,
            health_check,
            unique_keys,
            fields,
            owner,
            tenant,
            roles,
        );
        quote!(CrudApiSpec { #(#set,)* ..CrudApiSpec::BASE })
    }
}

lower_struct!(RolesSpec {
    create,
    read,
    update,
    delete,
    list
});
lower_struct!(FieldSpec { name, ty, required });
lower_struct!(CorsSpec { allowed_origins });
lower_struct!(PerEnv { default, values });
lower_struct!(CacheSpec { ttl });
lower_struct!(HealthCheckSpec {
    path,
    interval,
    timeout,
    unhealthy_threshold
});
lower_struct!(FunctionsAppSpec {
    type_name,
    memory_mb,
    max_instances,
    always_ready,
    functions
});
lower_struct!(FunctionSpec {
    name,
    app,
    trigger,
    always_ready
});

impl Lower for Trigger {
    fn lower(&self) -> TokenStream {
        let t = quote!(Trigger);
        match self {
            Trigger::Queue { queue, max_attempts } => {
                let queue = queue.lower();
                quote!(#t::Queue { queue: #queue, max_attempts: #max_attempts })
            }
            Trigger::Timer { schedule } => {
                let schedule = schedule.lower();
                quote!(#t::Timer { schedule: #schedule })
            }
            Trigger::Changes { entity } => {
                let entity = entity.lower();
                quote!(#t::Changes { entity: #entity })
            }
            Trigger::Http { route, methods } => {
                let (route, methods) = (route.lower(), methods.lower());
                quote!(#t::Http { route: #route, methods: #methods })
            }
        }
    }
}
lower_struct!(IsolatedNetwork {
    vnet_name,
    subnet_name,
    address_space,
    private_endpoints
});
lower_struct!(Limits {
    max_cosmos_accounts,
    max_function_apps,
    max_storage_accounts,
    max_throughput_per_database
});
lower_struct!(NamingSpec {
    pattern,
    unique_suffix,
    strict
});
lower_struct!(MonitoringSpec {
    retention_days,
    sampling_percentage,
    alerting
});
lower_struct!(AlertingSpec {
    error_threshold,
    latency_threshold_ms,
    email
});
lower_struct!(AutoScaleSpec {
    max_throughput,
    target_utilization
});

impl Lower for Operations {
    fn lower(&self) -> TokenStream {
        let bits = self.0;
        quote!(Operations(#bits))
    }
}

impl Lower for Throughput {
    fn lower(&self) -> TokenStream {
        match self {
            Throughput::Manual { rus } => {
                let rus = rus.lower();
                quote!(Throughput::Manual { rus: #rus })
            }
            Throughput::Autoscale { max_rus } => {
                let max_rus = max_rus.lower();
                quote!(Throughput::Autoscale { max_rus: #max_rus })
            }
        }
    }
}

impl Lower for Networking {
    fn lower(&self) -> TokenStream {
        match self {
            Networking::Public => quote!(Networking::Public),
            Networking::Isolated(i) => {
                let i = i.lower();
                quote!(Networking::Isolated(#i))
            }
        }
    }
}

impl Lower for AuthSpec {
    fn lower(&self) -> TokenStream {
        match self {
            AuthSpec::Entra { audience } => {
                let audience = audience.lower();
                quote!(AuthSpec::Entra { audience: #audience })
            }
            AuthSpec::Anonymous => quote!(AuthSpec::Anonymous),
        }
    }
}

impl Lower for FieldType {
    fn lower(&self) -> TokenStream {
        let v = quote::format_ident!("{}", format!("{self:?}"));
        quote!(FieldType::#v)
    }
}

impl Lower for Consistency {
    fn lower(&self) -> TokenStream {
        let v = quote::format_ident!("{}", self.as_str());
        quote!(Consistency::#v)
    }
}

/// A backend spec literal whose `components` are given as already-lowered expressions (they
/// point at the component types' `const` specs, which only the expansion can name).
pub(crate) fn backend(spec: &BackendSpec, components: &[TokenStream]) -> TokenStream {
    let components = quote!(B(&[#(#components),*]));
    in_scope(lower_fields!(
        spec,
        BackendSpec {
            type_name,
            app,
            location,
            environments,
            networking,
            enforce_https,
            managed_identity,
            limits,
            naming,
            monitoring,
            auto_scale,
            consistency,
            tags,
            cors,
            auth
        },
        components = components
    ))
}
