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
//!         Box::pin(async move {
//!             let arg0 = match extract::<WebhookPayload>(&request) { Ok(v) => v, Err(response) => return response };
//!             respond(trigger_training(arg0).await)
//!         })
//!     }
//!     fn __webhooks_check(request: &WebhookRequest) -> Result<(), WebhookResponse> {
//!         let _ = extract::<WebhookPayload>(request)?;
//!         Ok(())
//!     }
//!     inventory::submit! {
//!         Endpoint::__new("trigger_training", "trigger_training", "Retrain when a dataset changes.",
//!                         module_path!(), file!(), line!(), Handler::Async(__webhooks_handler),
//!                         Delivery::Immediate, __webhooks_check)
//!     }
//! };
//! ```
//!
//! A plain `fn` gets a plain wrapper registered as `Handler::Blocking`; `background` registers
//! `Delivery::Background`. Every runtime item is named
//! through `::webhooks_runtime::__private`, so users need no other dependency.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::args::EndpointArgs;
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
    } = endpoint;
    let private = quote!(#krate::__private);
    let name = &function.sig.ident;
    let function_name = name.to_string().trim_start_matches("r#").to_owned();
    let args: Vec<_> = (0..arg_types.len())
        .map(|index| format_ident!("__webhooks_arg{index}"))
        .collect();

    // Each extraction is spanned on the argument's type, so a type that is not an extractor gets
    // its "cannot be a webhook handler argument" error right under it.
    let extractions = arg_types.iter().zip(&args).map(|(ty, arg)| {
        quote_spanned! {ty.span()=>
            let #arg = match #private::extract::<#ty>(&__webhooks_request) {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(response) => return response,
            };
        }
    });

    // The same extractions, without the call: what a background endpoint checks before it accepts
    // a delivery.
    let checks = arg_types.iter().map(|ty| {
        quote_spanned! {ty.span()=>
            let _ = #private::extract::<#ty>(__webhooks_request)?;
        }
    });
    let delivery = if *background {
        quote!(Background)
    } else {
        quote!(Immediate)
    };

    let call = match &function.sig.asyncness {
        Some(_) => quote!(#name(#(#args),*).await),
        None => quote!(#name(#(#args),*)),
    };
    // Spanned on the return type, so a type that is not a response gets its error there.
    let output_span = match &function.sig.output {
        syn::ReturnType::Default => name.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    // The callee and its argument carry the return type's span, so that is where rustc reports
    // a return type that does not implement `IntoWebhookResponse`.
    let output = quote_spanned!(output_span=> __webhooks_output);
    let respond = quote! {
        let #output = #call;
        #private::respond(#output)
    };

    let (signature, body, handler) = match &function.sig.asyncness {
        Some(async_token) => {
            // Spanned on `async`, so a handler whose future is not `Send` is reported there.
            let boxed = quote_spanned! {async_token.span()=>
                ::std::boxed::Box::pin(async move {
                    #(#extractions)*
                    #respond
                })
            };
            (
                quote!(-> #private::BoxFuture),
                boxed,
                quote!(#private::Handler::Async(__webhooks_handler)),
            )
        }
        None => (
            quote!(-> #private::WebhookResponse),
            quote!({ #(#extractions)* #respond }),
            quote!(#private::Handler::Blocking(__webhooks_handler)),
        ),
    };
    // `line!()` takes the line of its own span: the function's name, not the attribute.
    let line = quote_spanned!(name.span()=> ::core::line!());
    let unused_request = if arg_types.is_empty() {
        quote!(let _ = __webhooks_request;)
    } else {
        quote!()
    };

    quote! {
        #function

        const _: () = {
            #[doc(hidden)]
            fn __webhooks_handler(__webhooks_request: #private::WebhookRequest) #signature {
                #unused_request
                #body
            }

            #[doc(hidden)]
            fn __webhooks_check(
                __webhooks_request: &#private::WebhookRequest,
            ) -> ::core::result::Result<(), #private::WebhookResponse> {
                #(#checks)*
                let _ = __webhooks_request;
                ::core::result::Result::Ok(())
            }

            #private::inventory::submit! {
                #private::Endpoint::__new(
                    #path,
                    #function_name,
                    #doc,
                    ::core::module_path!(),
                    ::core::file!(),
                    #line,
                    #handler,
                    #private::Delivery::#delivery,
                    __webhooks_check,
                )
            }
        };
    }
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
