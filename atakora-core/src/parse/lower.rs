//! Specs as Rust expressions: what the macros emit is the spec itself, as `const` data.
//! Every path goes through `::atakora::__private`, so users depend on `atakora` alone.

use crate::spec::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::borrow::Cow;

pub(crate) trait Lower {
    fn lower(&self) -> TokenStream;
}

impl Lower for str {
    fn lower(&self) -> TokenStream {
        quote!(::atakora::__private::Cow::Borrowed(#self))
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
                quote!(::core::option::Option::Some(#v))
            }
            None => quote!(::core::option::Option::None),
        }
    }
}

impl<T: Lower + Clone> Lower for Cow<'static, [T]> {
    fn lower(&self) -> TokenStream {
        let items = self.iter().map(Lower::lower);
        quote!(::atakora::__private::Cow::Borrowed(&[#(#items),*]))
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
        quote!(::atakora::__private::spec::$ty { $( $field: #$field, )* $( $extra: #$extra )? })
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

lower_struct!(CrudApiSpec {
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
    roles
});
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
        let t = quote!(::atakora::__private::spec::Trigger);
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
        quote!(::atakora::__private::spec::Operations(#bits))
    }
}

impl Lower for Throughput {
    fn lower(&self) -> TokenStream {
        match self {
            Throughput::Manual { rus } => {
                let rus = rus.lower();
                quote!(::atakora::__private::spec::Throughput::Manual { rus: #rus })
            }
            Throughput::Autoscale { max_rus } => {
                let max_rus = max_rus.lower();
                quote!(::atakora::__private::spec::Throughput::Autoscale { max_rus: #max_rus })
            }
        }
    }
}

impl Lower for Networking {
    fn lower(&self) -> TokenStream {
        match self {
            Networking::Public => quote!(::atakora::__private::spec::Networking::Public),
            Networking::Isolated(i) => {
                let i = i.lower();
                quote!(::atakora::__private::spec::Networking::Isolated(#i))
            }
        }
    }
}

impl Lower for AuthSpec {
    fn lower(&self) -> TokenStream {
        match self {
            AuthSpec::Entra { audience } => {
                let audience = audience.lower();
                quote!(::atakora::__private::spec::AuthSpec::Entra { audience: #audience })
            }
            AuthSpec::Anonymous => quote!(::atakora::__private::spec::AuthSpec::Anonymous),
        }
    }
}

impl Lower for FieldType {
    fn lower(&self) -> TokenStream {
        let v = quote::format_ident!("{}", format!("{self:?}"));
        quote!(::atakora::__private::spec::FieldType::#v)
    }
}

impl Lower for Consistency {
    fn lower(&self) -> TokenStream {
        let v = quote::format_ident!("{}", self.as_str());
        quote!(::atakora::__private::spec::Consistency::#v)
    }
}

/// A backend spec whose `components` are given as already-lowered expressions (they point at
/// the component types' `const` specs, which only the expansion can name).
pub(crate) fn backend(spec: &BackendSpec, components: &[TokenStream]) -> TokenStream {
    let components = quote!(::atakora::__private::Cow::Borrowed(&[#(#components),*]));
    lower_fields!(
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
    )
}
