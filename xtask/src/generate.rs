//! Spec to Rust: progenitor (panics caught), then prettyplease and our header.

use std::panic::{AssertUnwindSafe, catch_unwind};

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypePatch};
use quote::ToTokens;
use serde_json::Value;

use crate::providers::Provider;

/// The two files generated for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The client: `crates/revdns-<id>/src/generated.rs`.
    pub client: String,
    /// Typed `httpmock` helpers for the same operations and types
    /// (`crates/revdns-<id>/src/generated_mock.rs`, behind the `mock` feature).
    pub mock: String,
}

/// Builds the Rust sources for one provider from its patched spec.
pub fn generate(provider: &Provider, spec: &Value) -> Result<Generated> {
    check_replacements(provider, spec)?;
    check_secret_fields(provider, spec, "")?;
    let base_url = default_base_url(provider, spec)?;
    let path_servers = path_servers(spec);
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .with_context(|| format!("{}: the patched spec is not OpenAPI 3.0", provider.spec_dir))?;
    let settings = settings(provider)?;

    let tokens = run_generator(provider, || {
        Generator::new(&settings).generate_tokens(&openapi)
    })?;
    let body = unparse(provider, tokens)?;
    let client = render(provider, &base_url, &path_servers, &body);

    let tokens = run_generator(provider, || {
        Generator::new(&settings).httpmock(&openapi, "crate::generated")
    })?;
    let mut body = unparse(provider, tokens)?;
    if provider.form_bodies {
        // progenitor matches every body as JSON; these are forms, matched
        // on their decoded values (JSON text inside a field included).
        body = body.replace(
            "Self(self.0.json_body_obj(value))",
            "Self(self.0.is_true(crate::mock::form_body(value)))",
        );
    }
    let body = repeated_query_params(&body);
    let body = under_base_path(&body, &base_url);
    let mock = render_mock(provider, &body);
    Ok(Generated { client, mock })
}

/// progenitor's mock matchers print a list parameter with `to_string`,
/// which lists lack; a list query parameter is sent as repeated keys
/// (`filter.recordIp=a&filter.recordIp=b`), so match one key per item.
fn repeated_query_params(body: &str) -> String {
    let list_param = regex::Regex::new(
        r#"(T: Into<Option<&'a ::std::vec::Vec<[^\n]*>>>,\s*\{\s*if let Some\(value\) = value\.into\(\) \{\s*)Self\(self\.0\.query_param\(("[^"]+"), value\.to_string\(\)\)\)"#,
    )
    .expect("a valid pattern");
    list_param
        .replace_all(
            body,
            "${1}Self(value.iter().fold(self.0, |when, item| when.query_param($2, item.to_string())))",
        )
        .into_owned()
}

/// The mocks match paths as the server receives them: under the path of
/// the spec's base URL (ECL's `/v2`), which progenitor leaves out.
fn under_base_path(body: &str, base_url: &str) -> String {
    let base_path = url_path(base_url);
    if base_path.is_empty() {
        return body.to_owned();
    }
    // Every path pattern progenitor writes is a string literal anchored at `^/`.
    body.replace("\"^/", &format!("\"^{base_path}/"))
}

/// The path of an absolute URL, without a trailing slash (`""` for none).
fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("", |at| after_scheme[at..].trim_end_matches('/'))
}

fn settings(provider: &Provider) -> Result<GenerationSettings> {
    let inner_type = syn::parse_str::<syn::Type>(provider.inner_type)
        .with_context(|| format!("{}: bad inner type {}", provider.id, provider.inner_type))?
        .into_token_stream();
    let mut settings = GenerationSettings::new();
    // Positional: the generated client is a building block under our
    // hand-written layer, and positional output is a third of the builder's.
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // Every provider crate must supply its own hooks (spans, retries, auth).
        .with_hooks(HooksMode::Expected)
        .with_inner_type(inner_type);
    for (schema, rust_type) in provider.replacements {
        settings.with_replacement(*schema, *rust_type, std::iter::empty());
    }
    // A string the spec marks `format: password` (passwords, session
    // signatures, tokens) becomes a type whose `Debug` prints `[redacted]`,
    // so no derived `Debug` of a generated type shows it.
    settings.with_conversion(secret_schema(), SECRET_TYPE, std::iter::empty());
    // A `format: date-time` string stays the provider's text (the field's
    // doc, from the spec, gives its format) instead of a chrono type: no
    // hand-written code reads a generated timestamp, a date in a shape chrono
    // would refuse cannot fail a whole answer, and the SDK builds without
    // chrono and its dependencies. ECL's zone-less timestamps are text
    // already.
    settings.with_conversion(
        date_time_schema(),
        "::std::string::String",
        std::iter::empty(),
    );
    for (schema, name) in provider.renames {
        settings.with_patch(schema, TypePatch::default().with_rename(*name));
    }
    Ok(settings)
}

fn unparse(provider: &Provider, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens)
        .with_context(|| format!("{}: progenitor produced unparsable code", provider.id))?;
    progenitor_impl::space_out_items(prettyplease::unparse(&file))
        .map_err(|e| anyhow!("{}: {e}", provider.id))
}

/// progenitor and typify report many unsupported shapes by panicking; turn a
/// panic into an error that names the provider and the spec.
fn run_generator(
    provider: &Provider,
    generate: impl FnOnce() -> Result<TokenStream, progenitor::Error>,
) -> Result<TokenStream> {
    let previous_hook = std::panic::take_hook();
    // The default hook would print a backtrace hint over our own message.
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(generate));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => bail!(
            "{}: progenitor rejected {}: {e}",
            provider.id,
            provider.spec_dir
        ),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            bail!(
                "{}: progenitor panicked on {}: {message}",
                provider.id,
                provider.spec_dir
            )
        }
    }
}

/// A replacement for a schema the spec does not have would be silently
/// ignored, and the field would fall back to a type that cannot be sent.
fn check_replacements(provider: &Provider, spec: &Value) -> Result<()> {
    for (schema, _) in provider.replacements.iter().chain(provider.renames) {
        let pointer = format!("/components/schemas/{schema}");
        if spec.pointer(&pointer).is_none() {
            bail!(
                "{}: replacement for {pointer}, which the patched spec does not define",
                provider.id
            );
        }
    }
    Ok(())
}

/// The Rust type of `format: password` strings.
const SECRET_TYPE: &str = "::revdns_core::secret::Secret";

/// Keys a `format: password` schema may have and still match the conversion
/// (typify compares the schema without its metadata).
const SECRET_KEYS: &[&str] = &["type", "format", "description", "example", "title"];

fn secret_schema() -> schemars::schema::SchemaObject {
    serde_json::from_value(serde_json::json!({"type": "string", "format": "password"}))
        .expect("a literal schema")
}

fn date_time_schema() -> schemars::schema::SchemaObject {
    serde_json::from_value(serde_json::json!({"type": "string", "format": "date-time"}))
        .expect("a literal schema")
}

/// A `format: password` string with other keywords (`minLength`, `pattern`)
/// would not match the conversion and would be generated as a plain,
/// printable `String`: refuse it, naming the JSON pointer.
fn check_secret_fields(provider: &Provider, value: &Value, pointer: &str) -> Result<()> {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("password")
                && let Some(extra) = map.keys().find(|k| !SECRET_KEYS.contains(&k.as_str()))
            {
                bail!(
                    "{}: {pointer} is `format: password` with `{extra}`; such a field would be \
                     generated as a plain String. Drop the keyword in the patch.",
                    provider.id
                );
            }
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                check_secret_fields(provider, child, &format!("{pointer}/{escaped}"))?;
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_secret_fields(provider, child, &format!("{pointer}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The root `servers[0].url`, which must be a concrete URL.
fn default_base_url(provider: &Provider, spec: &Value) -> Result<String> {
    let url = spec
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{}: the spec has no servers[0].url", provider.id))?;
    if url.contains('{') {
        bail!(
            "{}: servers[0].url {url} has variables; patch in a concrete default",
            provider.id
        );
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Paths that override the server (progenitor ignores these; the hand-written
/// layer needs them).
fn path_servers(spec: &Value) -> Vec<(String, String)> {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|(path, item)| {
            let url = item.pointer("/servers/0/url")?.as_str()?;
            Some((path.clone(), url.trim_end_matches('/').to_owned()))
        })
        .collect()
}

fn render_mock(provider: &Provider, body: &str) -> String {
    let out = format!(
        "// @generated by `cargo xtask regenerate` from {dir}; edit {dir}/patch.json or the \
         generator instead.\n\n{body}",
        dir = provider.spec_dir
    );
    one_trailing_newline(out)
}

fn render(
    provider: &Provider,
    base_url: &str,
    path_servers: &[(String, String)],
    body: &str,
) -> String {
    let mut out = format!(
        "// @generated by `cargo xtask regenerate` from {dir}; edit {dir}/patch.json or the \
         generator instead.\n\n\
         /// The API's default base URL, from the spec's `servers`.\n\
         pub const DEFAULT_BASE_URL: &str = {base_url:?};\n",
        dir = provider.spec_dir
    );
    if !path_servers.is_empty() {
        out.push_str(
            "\n/// Operations served from another host than [`DEFAULT_BASE_URL`]: (path, base URL).\n\
             pub const PATH_SERVERS: &[(&str, &str)] = &[\n",
        );
        for (path, url) in path_servers {
            out.push_str(&format!("    ({path:?}, {url:?}),\n"));
        }
        out.push_str("];\n");
    }
    out.push('\n');
    out.push_str(body);
    one_trailing_newline(out)
}

/// One trailing newline, LF only, whatever the platform.
fn one_trailing_newline(out: String) -> String {
    let mut out = out.replace("\r\n", "\n");
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
