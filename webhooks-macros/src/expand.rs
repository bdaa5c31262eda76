//! Writing the registration code.
//!
//! For
//!
//! ```text
//! /// Retrain when a dataset changes.
//! #[webhook_endpoint]
//! async fn trigger_training(payload: WebhookPayload) -> Value { … }
//! ```
//!
//! the attribute emits the function unchanged, then:
//!
//! ```text
//! const _: () = {
//!     fn __webhooks_handler(request: WebhookRequest) -> BoxFuture {
//!         start_async::<(WebhookPayload,), _>(
//!             &trigger_training,
//!             <(WebhookPayload,) as HandlerArguments>::extract(&request),
//!         )
//!     }
//!     fn __webhooks_check(request: &WebhookRequest) -> Result<(), WebhookResponse> {
//!         <(WebhookPayload,) as HandlerArguments>::extract(request).map(drop)
//!     }
//!     inventory::submit! {
//!         Endpoint::__new("trigger_training", "trigger_training", "Retrain when a dataset changes.",
//!                         module_path!(), file!(), line!(), Handler::Async(__webhooks_handler),
//!                         DeliveryMode::Immediate, __webhooks_check,
//!                         <(WebhookPayload,) as HandlerArguments>::BODY)
//!     }
//! };
//! ```
//!
//! `HandlerArguments` and `AsyncHandler` (through `start_async`) are the traits
//! `WebhooksServerBuilder::add_webhook` uses, so an annotated function and one added by hand build
//! their arguments and answers the same way. A plain `fn` goes through `BlockingHandler` (with
//! `run_blocking`) and is registered as `Handler::Blocking`; `background` registers
//! `DeliveryMode::Background`. Every runtime item is named through `::webhooks_runtime::__private`, so
//! users need no other dependency.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::args::EndpointArgs;
use crate::args::FilterArgs;
use crate::validate::{self, CheckedEndpoint};

/// The attribute's whole expansion; on error, the user's function is kept beside the errors so
/// that the only errors shown are ours and IDEs keep completing.
pub(crate) fn webhook_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(args, item.clone()) {
        Ok(expanded) => expanded,
        Err(error) => {
            let error = error.into_compile_error();
            quote!(#item #error)
        }
    }
}

fn try_expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: EndpointArgs = syn::parse2(args)?;
    let item: syn::Item = syn::parse2(item)?;
    let endpoint = validate::check(args, item)?;
    Ok(expand(&endpoint))
}

fn expand(endpoint: &CheckedEndpoint) -> TokenStream {
    let CheckedEndpoint {
        function,
        path,
        doc,
        arg_types,
        krate,
        background,
        filter,
    } = endpoint;
    let private = quote!(#krate::__private);
    let name = &function.sig.ident;
    let function_name = name.to_string().trim_start_matches("r#").to_owned();
    let sig = &function.sig;

    // The handler traits `add_webhook` uses do the work; the code here only names them. Where
    // rustc reports an unmet bound of theirs is the span of the tokens naming them: an argument
    // that is not an extractor under the argument list (the type itself when it is the only one),
    // a return value that is not a response under the return type, a future that is not `Send`
    // under the return type or, when there is none, under `async`.
    let arguments_span = match arg_types.as_slice() {
        [only] => only.span(),
        _ => sig.paren_token.span.join(),
    };
    let output_span = match (&sig.output, &sig.asyncness) {
        (syn::ReturnType::Type(_, ty), _) => ty.span(),
        (syn::ReturnType::Default, Some(async_token)) => async_token.span(),
        (syn::ReturnType::Default, None) => name.span(),
    };
    let arguments = quote_spanned!(arguments_span=> (#(#arg_types,)*));
    let extract =
        quote_spanned!(arguments_span=> <#arguments as #private::HandlerArguments>::extract);
    let body = quote_spanned!(arguments_span=> <#arguments as #private::HandlerArguments>::BODY);
    let (run, signature, handler) = match &sig.asyncness {
        Some(_) => (
            quote!(start_async),
            quote!(#private::BoxFuture),
            quote!(Async),
        ),
        None => (
            quote!(run_blocking),
            quote!(#private::WebhookResponse),
            quote!(Blocking),
        ),
    };
    let run = quote_spanned!(output_span=> #private::#run::<#arguments, _>);
    let delivery = if *background {
        quote!(Background)
    } else {
        quote!(Immediate)
    };
    let filter = event_filter(filter, &private);
    // `line!()` takes the line of its own span: the function's name, not the attribute.
    let line = quote_spanned!(name.span()=> ::core::line!());

    quote! {
        #function

        const _: () = {
            #[doc(hidden)]
            fn __webhooks_handler(__webhooks_request: #private::WebhookRequest) -> #signature {
                #run(&#name, #extract(&__webhooks_request))
            }

            #[doc(hidden)]
            fn __webhooks_check(
                __webhooks_request: &#private::WebhookRequest,
            ) -> ::core::result::Result<(), #private::WebhookResponse> {
                #extract(__webhooks_request).map(::core::mem::drop)
            }

            #private::inventory::submit! {
                #private::Endpoint::__new(
                    #path,
                    #function_name,
                    #doc,
                    ::core::module_path!(),
                    ::core::file!(),
                    #line,
                    #private::Handler::#handler(__webhooks_handler),
                    #private::DeliveryMode::#delivery,
                    __webhooks_check,
                    #body,
                    #filter,
                )
            }
        };
    }
}

/// The `EventFilter` the attribute's filter keys describe, as a constant expression.
fn event_filter(filter: &FilterArgs, private: &TokenStream) -> TokenStream {
    let mut built = quote!(#private::EventFilter::new());
    if let Some(scope) = &filter.scope {
        built = quote!(#built.scope(#scope));
    }
    for (method, values) in [
        (quote!(actions), &filter.actions),
        (quote!(repo_types), &filter.repo_types),
        (quote!(repos), &filter.repos),
        (quote!(updated_refs), &filter.updated_refs),
    ] {
        if !values.is_empty() {
            built = quote!(#built.#method(&[#(#values),*]));
        }
    }
    if let Some(function) = &filter.function {
        let name = function
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        // Spanned on the path, so a path to something else than `fn(&WebhookPayload) -> bool`
        // is reported there.
        let function = quote_spanned!(function.span()=> #function);
        built = quote!(#built.custom(#name, #function));
    }
    built
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_to_string(args: TokenStream, item: TokenStream) -> String {
        webhook_endpoint(args, item).to_string()
    }

    #[test]
    fn default_path_is_the_function_name() {
        let out = expand_to_string(
            quote!(),
            quote!(
                async fn trigger_training() {}
            ),
        );
        assert!(
            out.contains("Endpoint :: __new (\"trigger_training\" , \"trigger_training\""),
            "{out}"
        );
        assert!(out.contains("Handler :: Async"), "{out}");
    }

    #[test]
    fn plain_fn_is_registered_as_blocking() {
        let out = expand_to_string(
            quote!("/say_hello/"),
            quote!(
                fn hello() {}
            ),
        );
        assert!(
            out.contains("Endpoint :: __new (\"say_hello\" , \"hello\""),
            "{out}"
        );
        assert!(out.contains("Handler :: Blocking"), "{out}");
    }

    #[test]
    fn renamed_crate_is_used_for_every_runtime_item() {
        let out = expand_to_string(
            quote!(crate = "hooks"),
            quote!(
                fn hello() {}
            ),
        );
        assert!(!out.contains("webhooks_runtime"), "{out}");
        assert!(
            out.contains("hooks :: __private :: inventory :: submit"),
            "{out}"
        );
    }

    #[test]
    fn errors_keep_the_users_function() {
        let out = expand_to_string(
            quote!(42),
            quote!(
                fn hello() {}
            ),
        );
        assert!(out.contains("fn hello"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn raw_identifier_names_drop_the_prefix() {
        let out = expand_to_string(
            quote!(),
            quote!(
                fn r#move() {}
            ),
        );
        assert!(
            out.contains("Endpoint :: __new (\"move\" , \"move\""),
            "{out}"
        );
    }
}
