//! oneoff's attributes: an async `main`, an async test, and one async test run on every backend.
//!
//! Use them through the `oneoff` facade with its `macros` feature (`#[oneoff::main]`,
//! `#[oneoff::test]`, `#[oneoff::test_each_backend]`): they expand to calls into it, so that
//! what a run promises (a panic reaches the caller with its payload, a timeout cancels) is the
//! facade's, and which backends a test runs on is decided by the features the facade was
//! built with, not by the features of the crate that uses the attribute.
//!
//! # Examples
//!
//! ```
//! #[oneoff::main]
//! async fn main() {
//!     assert_eq!(async { 6 * 7 }.await, 42);
//! }
//! ```
//!
//! ## Feature flags
//!
//! None.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Error, Ident, Item, ItemFn, LitInt, LitStr, Path, ReturnType, Token, Type};

/// A test that takes longer than this fails, unless its attribute says otherwise.
const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// Runs `async fn main` to completion on a fresh runtime of oneoff's default backend, like
/// `#[tokio::main]` and `#[pollster::main]`: the generated `fn main` calls `oneoff::run` with
/// the body and returns its output, so `main` may return `Result<(), E>`.
///
/// Options, all optional:
///
/// - `backend = Type`: the runner to use instead of `oneoff::Runner`, such as `oneoff::Smol`
///   or `oneoff::TokioCompat<oneoff::Smol>`.
/// - `crate = path`: where the `oneoff` facade is, when the dependency is renamed.
///
/// When the runtime cannot start, `main` panics with oneoff's error message.
///
/// # Examples
///
/// ```
/// #[oneoff::main(backend = oneoff::Runner)]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let answer: u32 = async { "42" }.await.parse()?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
///
/// The function must be `async` and take no arguments; the error says what to write instead.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(AttrMacro::Main, args.into(), item.into()).into()
}

/// Runs an async test on a fresh runtime of oneoff's default backend, like `#[tokio::test]`.
///
/// The generated `#[test]` runs the body on a thread of its own, so that a test that hangs
/// fails with a message naming it and its backend instead of stalling `cargo test`: a body
/// still pending after the timeout (60 s by default) is dropped, and one that blocks its
/// thread for longer is left behind. The body's panic reaches the test with its payload, so
/// `#[should_panic(expected = "..")]` works; `#[ignore]` and other attributes apply as on any
/// test. The body may return `Result<(), E>` with `E: Debug`; an `Err` fails the test.
///
/// Options, all optional:
///
/// - `backend = Type`: the runner to use instead of `oneoff::Runner`.
/// - `timeout = "30s"`: how long the test may take, in `ms`, `s` or `min`.
/// - `crate = path`: where the `oneoff` facade is, when the dependency is renamed.
///
/// # Examples
///
/// ```
/// #[oneoff::test(timeout = "10s")]
/// async fn answers() {
///     assert_eq!(async { 6 * 7 }.await, 42);
/// }
///
/// #[oneoff::test(backend = oneoff::FuturesLite)]
/// #[should_panic(expected = "no answer")]
/// async fn panics() {
///     panic!("no answer");
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(AttrMacro::Test, args.into(), item.into()).into()
}

/// Runs one async test body once on every backend enabled in the build of oneoff, as tests
/// named after the backends: `async fn reads()` becomes the module `reads` with one test per
/// backend (`reads::smol`, `reads::tokio_mt`, ...), so `cargo test smol` runs smol's.
///
/// The backends are those whose features the `oneoff` crate was built with (the features of
/// the crate that uses the attribute do not matter), in the order of `oneoff::Backend::ALL`.
/// Each run is the one [`macro@test`] makes, with a timeout of its own: a hang fails that
/// backend's test with a message naming it. `#[should_panic]`, `#[ignore]` and other test
/// attributes apply to every generated test; doc comments and lint attributes stay on the
/// function.
///
/// Options, all optional:
///
/// - `timeout = "30s"`: how long each backend's run may take, in `ms`, `s` or `min`.
/// - `crate = path`: where the `oneoff` facade is, when the dependency is renamed.
///
/// # Examples
///
/// ```
/// #[oneoff::test_each_backend(timeout = "10s")]
/// async fn yields() {
///     futures_lite::future::yield_now().await;
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test_each_backend(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(AttrMacro::EachBackend, args.into(), item.into()).into()
}

/// One backend's test of [`macro@test_each_backend`], made from the facade's list of backends
/// for each backend that its build enables. Not an API: the expansion of the attribute calls it.
///
/// # Examples
///
/// ```
/// mod yields {
///     oneoff_macros::__backend_test! {
///         "futures-lite", oneoff::FuturesLite, (::oneoff, yields, 60000, run_test, [])
///     }
/// }
///
/// async fn yields() {}
/// # fn main() {}
/// ```
#[doc(hidden)]
#[proc_macro]
pub fn __backend_test(input: TokenStream) -> TokenStream {
    backend_test
        .parse(input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Which of oneoff's attribute macros is expanding.
#[derive(Clone, Copy, PartialEq)]
enum AttrMacro {
    Main,
    Test,
    EachBackend,
}

impl AttrMacro {
    fn attribute(self) -> &'static str {
        match self {
            AttrMacro::Main => "#[oneoff::main]",
            AttrMacro::Test => "#[oneoff::test]",
            AttrMacro::EachBackend => "#[oneoff::test_each_backend]",
        }
    }

    /// The options it takes, as written in an error message.
    fn usage(self) -> &'static str {
        match self {
            AttrMacro::Main => "`backend = Type` and `crate = path`",
            AttrMacro::Test => "`backend = Type`, `timeout = \"60s\"` and `crate = path`",
            AttrMacro::EachBackend => "`timeout = \"60s\"` and `crate = path`",
        }
    }

    /// What the function is, in an error message.
    fn function(self) -> &'static str {
        match self {
            AttrMacro::Main => "`async fn main()`",
            AttrMacro::Test | AttrMacro::EachBackend => "an `async fn` test",
        }
    }
}

/// The options given in the attribute's parentheses.
#[derive(Default)]
struct AttrOptions {
    backend: Option<Type>,
    timeout_ms: Option<u64>,
    krate: Option<Path>,
}

fn expand(kind: AttrMacro, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let expanded = (|input: ParseStream| parse_options(kind, input))
        .parse2(args)
        .and_then(|options| Ok((options, function(kind, item.clone())?)))
        .map(|(options, function)| match kind {
            AttrMacro::Main => expand_main(options, function),
            AttrMacro::Test => expand_test(options, function),
            AttrMacro::EachBackend => expand_each_backend(options, function),
        });
    expanded.unwrap_or_else(|error| {
        let error = error.to_compile_error();
        // A `fn main` for the error to stand in, so that it is the only error reported.
        let stand_in = (kind == AttrMacro::Main).then(|| {
            quote!(
                fn main() {}
            )
        });
        quote!(#error #stand_in)
    })
}

fn parse_options(kind: AttrMacro, input: ParseStream) -> syn::Result<AttrOptions> {
    let mut options = AttrOptions::default();
    while !input.is_empty() {
        let key = input.call(Ident::parse_any)?;
        let name = key.to_string();
        let known = match (kind, name.as_str()) {
            (AttrMacro::EachBackend, "backend") => {
                return Err(Error::new(
                    key.span(),
                    "#[oneoff::test_each_backend] runs the test on every enabled backend; for \
                     one backend write #[oneoff::test(backend = oneoff::Smol)]",
                ));
            }
            (AttrMacro::Main, "timeout") => {
                return Err(Error::new(
                    key.span(),
                    "#[oneoff::main] takes no timeout; inside main, run the work with \
                     oneoff::run_timeout or a runtime's timeout",
                ));
            }
            (_, "backend" | "timeout" | "crate") => true,
            _ => false,
        };
        if !known {
            return Err(Error::new(
                key.span(),
                format!(
                    "unknown option `{name}`: {} takes {}",
                    kind.attribute(),
                    kind.usage()
                ),
            ));
        }
        if !input.peek(Token![=]) {
            return Err(Error::new(
                key.span(),
                format!(
                    "write the option as `{name} = ..`: {} takes {}",
                    kind.attribute(),
                    kind.usage()
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let given_twice = match name.as_str() {
            "backend" => options.backend.replace(input.parse()?).is_some(),
            "timeout" => options
                .timeout_ms
                .replace(timeout_ms(&input.parse()?)?)
                .is_some(),
            _ => options
                .krate
                .replace(input.call(Path::parse_mod_style)?)
                .is_some(),
        };
        if given_twice {
            return Err(Error::new(key.span(), format!("`{name}` is given twice")));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(options)
}

/// `"500ms"`, `"30s"` or `"2min"` in milliseconds.
fn timeout_ms(literal: &LitStr) -> syn::Result<u64> {
    let text = literal.value();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let per_unit = match &text[digits.len()..] {
        "ms" => Some(1),
        "s" => Some(1_000),
        "min" => Some(60_000),
        _ => None,
    };
    let millis =
        per_unit.and_then(|per_unit| digits.trim().parse::<u64>().ok()?.checked_mul(per_unit));
    match millis {
        Some(0) => Err(Error::new(
            literal.span(),
            "a timeout of zero fails every run: give a positive duration, such as \"30s\"",
        )),
        Some(millis) => Ok(millis),
        None => Err(Error::new(
            literal.span(),
            "write the timeout as a whole number and a unit, `ms`, `s` or `min`: \"500ms\", \
             \"30s\", \"2min\"",
        )),
    }
}

/// The function under the attribute, if it is one the attribute can run.
fn function(kind: AttrMacro, item: TokenStream2) -> syn::Result<ItemFn> {
    let function = match syn::parse2::<Item>(item)? {
        Item::Fn(function) => function,
        other => {
            return Err(Error::new(
                item_keyword(&other),
                format!("{} goes on {}", kind.attribute(), kind.function()),
            ));
        }
    };
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        let hint = match kind {
            AttrMacro::Main => "write `async fn main()`",
            // `#[test]` names this attribute where a glob import (`use oneoff::*`) brought it in.
            AttrMacro::Test => {
                "write `async fn`, or use `#[test]` for a synchronous test (under `use oneoff::*`, \
                 `#[test]` is this attribute: import oneoff's names one by one)"
            }
            AttrMacro::EachBackend => "write `async fn`, or use `#[test]` for a synchronous test",
        };
        return Err(Error::new(
            sig.fn_token.span,
            format!("{} runs an async function: {hint}", kind.attribute()),
        ));
    }
    if !sig.inputs.is_empty() {
        let hint = match kind {
            AttrMacro::Main => "main takes no arguments: read them with std::env::args()",
            AttrMacro::Test | AttrMacro::EachBackend => {
                "a test takes no arguments: make its inputs inside the body"
            }
        };
        return Err(Error::new_spanned(&sig.inputs, hint));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(Error::new_spanned(
            &sig.generics,
            format!(
                "{} runs a function that is not generic: remove the parameters",
                kind.attribute()
            ),
        ));
    }
    let test = function
        .attrs
        .iter()
        .find(|attr| attr.path().is_ident("test"));
    if let (AttrMacro::Test | AttrMacro::EachBackend, Some(test)) = (kind, test) {
        return Err(Error::new_spanned(
            test,
            format!(
                "remove `#[test]`: {} declares the test itself",
                kind.attribute()
            ),
        ));
    }
    Ok(function)
}

/// Where to point an error about an item that is not a function: its keyword.
fn item_keyword(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

/// The path of the facade in the expansion.
fn krate(options: &AttrOptions) -> TokenStream2 {
    match &options.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::oneoff),
    }
}

/// The runner a single run uses.
fn runner(options: &AttrOptions, krate: &TokenStream2) -> TokenStream2 {
    match &options.backend {
        Some(backend) => backend.to_token_stream(),
        None => quote!(#krate::Runner),
    }
}

/// The helper `name` of the facade, spanned at the function's return type, so that a return
/// type a test cannot have is reported there.
fn helper_at_output(function: &ItemFn, name: &str) -> Ident {
    let span = match &function.sig.output {
        ReturnType::Type(_, output) => output.span(),
        ReturnType::Default => Span::call_site(),
    };
    Ident::new(name, span)
}

fn expand_main(options: AttrOptions, function: ItemFn) -> TokenStream2 {
    let krate = krate(&options);
    let runner = runner(&options, &krate);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = function;
    let name = &sig.ident;
    let mut outer = sig.clone();
    outer.asyncness = None;
    quote! {
        #(#attrs)*
        #vis #outer {
            #sig #block
            #krate::__private::run_main::<#runner, _, _>(#name)
        }
    }
}

fn expand_test(options: AttrOptions, function: ItemFn) -> TokenStream2 {
    let krate = krate(&options);
    let runner = runner(&options, &krate);
    let timeout = options.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let run_test = helper_at_output(&function, "run_test");
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = function;
    let name = &sig.ident;
    quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() {
            #sig #block
            #krate::__private::#run_test::<#runner, _, _>(
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name)),
                ::core::time::Duration::from_millis(#timeout),
                #name,
            )
        }
    }
}

/// Lint levels, which belong to the body.
fn is_lint_level(attr: &Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect"]
        .iter()
        .any(|level| attr.path().is_ident(level))
}

fn expand_each_backend(options: AttrOptions, function: ItemFn) -> TokenStream2 {
    let krate = krate(&options);
    let timeout = options.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let run_test = helper_at_output(&function, "run_test");
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = function;
    let name = &sig.ident;
    let cfg: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let (on_function, on_tests): (Vec<_>, Vec<_>) = attrs
        .iter()
        .filter(|a| !a.path().is_ident("cfg"))
        .partition(|a| a.path().is_ident("doc") || is_lint_level(a));
    // The module of tests is filled in by the facade: its list of backends says which are
    // enabled in its build, which this crate cannot see.
    quote! {
        #[cfg(test)]
        #(#cfg)*
        #(#on_function)*
        #vis #sig #block

        #[cfg(test)]
        #(#cfg)*
        mod #name {
            #krate::for_each_backend! {
                @with [#krate::__private::each_backend_test]
                #krate, #name, #timeout, #run_test, [#(#on_tests)*]
            }
        }
    }
}

/// `"name", Runner, (krate, function, timeout_ms, run_test, [attributes])`, from the facade's
/// `each_backend_test!`: one `#[test]` named after the backend, in the module named after the
/// function.
fn backend_test(input: ParseStream) -> syn::Result<TokenStream2> {
    let backend: LitStr = input.parse()?;
    input.parse::<Token![,]>()?;
    let runner: Type = input.parse()?;
    input.parse::<Token![,]>()?;
    let args;
    syn::parenthesized!(args in input);
    let input = &args;
    let krate = input.call(Path::parse_mod_style)?;
    input.parse::<Token![,]>()?;
    let function: Ident = input.parse()?;
    input.parse::<Token![,]>()?;
    let timeout: LitInt = input.parse()?;
    input.parse::<Token![,]>()?;
    let run_test: Ident = input.parse()?;
    input.parse::<Token![,]>()?;
    let attributes;
    syn::bracketed!(attributes in input);
    let attributes = attributes.call(Attribute::parse_outer)?;
    // `tokio-mt` is typed `tokio_mt` in a test filter.
    let test = format_ident!("{}", backend.value().replace('-', "_"));
    let test_name = test.to_string();
    let call = quote_spanned! {run_test.span()=>
        #krate::__private::#run_test::<#runner, _, _>
    };
    Ok(quote! {
        #(#attributes)*
        #[::core::prelude::v1::test]
        fn #test() {
            #call(
                ::core::concat!(::core::module_path!(), "::", #test_name),
                ::core::time::Duration::from_millis(#timeout),
                super::#function,
            )
        }
    })
}
