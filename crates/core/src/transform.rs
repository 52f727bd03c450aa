//! jq programs: a destination's `transform`, which reshapes the body before delivery, and a
//! route's `{"jq": …}` condition. They run on jaq, a jq interpreter in pure Rust.
//!
//! A program is compiled once (config check, and each cold start of the worker), then run on each
//! event's JSON body with `$event` bound to `{id, source, type, receivedAt}`. Its FIRST output is
//! what counts: a transform that yields nothing, or fails, is an error the caller sends to the
//! dead-letter queue; a condition holds when its first output is neither `false` nor `null`.
//!
//! Two helpers are defined for transforms: `with_headers({...})` (a `forward`'s request headers)
//! and `with_attributes({...})` (a target's message attributes). Each wraps what it is applied to,
//! `.`, and names values that must be strings:
//!
//! ```jq
//! {amount: .data.object.amount} | with_headers({"X-Tenant": $event.source})
//! ```
//!
//! Regular expressions (`test`, `match`, `sub`, …), dates (`todate`, `strftime`, …), `@base64`
//! and the other formats, and libm's math are not built in, to keep the worker small: a program
//! that calls one is refused as calling an undefined filter; `startswith`, `ltrimstr`, `split/1`,
//! `ascii_downcase`, `tostring`, `tonumber` and the rest of jq's core are there.
//!
//! A program reads neither the environment (`env` fails, `$ENV` is undefined) nor files (no
//! `input`, no modules); `halt` fails, and `debug` and `stderr` write nothing: it sees the body and
//! `$event`, and all it can do is yield values.

use std::fmt;

use jaq_core::box_iter::box_once;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::native::{self, v};
use jaq_core::{Compiler, Ctx, Exn, Vars, data};
use jaq_json::{Num, Val};
use serde_json::{Map, Number, Value};

type Data = data::JustLut<Val>;
type Filter = jaq_core::Filter<Data>;

/// The key under which `with_headers` / `with_attributes` put what they wrap.
const BODY_KEY: &str = "\u{0}hookway-body";
/// The key under which they put the headers or attributes.
const HEADERS_KEY: &str = "\u{0}hookway-headers";

/// Prepended to every program: the helpers mark their output with keys that start with a NUL
/// character and with this process's random [`nonce`] (`NONCE` here), which no body from a
/// webhook can know: a sender cannot pose as a helper to set headers.
const HELPERS: &str = r#"
def with_headers($headers): {"\u0000hookway-body": ., "\u0000hookway-headers": $headers, "\u0000hookway-kind": "with_headers", "\u0000hookway-nonce": "NONCE"};
def with_attributes($attributes): {"\u0000hookway-body": ., "\u0000hookway-headers": $attributes, "\u0000hookway-kind": "with_attributes", "\u0000hookway-nonce": "NONCE"};
"#;
const KIND_KEY: &str = "\u{0}hookway-kind";
const NONCE_KEY: &str = "\u{0}hookway-nonce";

/// The most nesting a body may have to be read by a program (serde_json's own limit): deeper, it
/// is refused before jaq's parser, which recurses, could overflow the stack.
const MAX_DEPTH: usize = 128;
/// The longest error message of a program kept: jq's messages quote the values they failed on,
/// which are the webhook's, and the reason travels to logs, records and the dead-letter queue.
const MAX_MESSAGE_CHARS: usize = 200;

/// This process's nonce: 128 random bits, in hex.
fn nonce() -> &'static str {
    static NONCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NONCE.get_or_init(|| {
        let mut bytes = [0u8; 16];
        // Without randomness the nonce is still unknown to senders: the process's start time.
        if getrandom::fill(&mut bytes).is_err() {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            bytes = now.as_nanos().to_le_bytes();
        }
        hex::encode(bytes)
    })
}

/// Whether `body` nests arrays and objects deeper than `limit` (brackets inside strings aside).
fn nests_deeper_than(body: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The standard library's definitions left out, by name and arity: they call filters Hookway
/// does not build in — regular expressions, dates, `@base64` and the other formats, libm's math —
/// to keep the worker small. A program that calls one is refused as calling an undefined filter.
const LEFT_OUT: [(&str, usize); 31] = [
    ("logb", 0),
    ("significand", 0),
    ("pow10", 0),
    ("drem", 2),
    ("nexttoward", 2),
    ("scalb", 2),
    ("gamma", 0),
    ("test", 1),
    ("test", 2),
    ("scan_", 2),
    ("scan", 1),
    ("scan", 2),
    ("match", 1),
    ("match", 2),
    ("capture", 1),
    ("capture", 2),
    ("split", 2),
    ("splits", 1),
    ("splits", 2),
    ("sub", 2),
    ("sub", 3),
    ("gsub", 2),
    ("gsub", 3),
    ("todate", 0),
    ("fromdate", 0),
    ("@html", 0),
    ("@htmld", 0),
    ("@uri", 0),
    ("@urid", 0),
    ("@base64", 0),
    ("@base64d", 0),
];

/// Natives replaced: `env` reads the process's environment (the function's credentials among
/// it), `halt` would end the process, `debug` and `stderr` would write bodies to its logs.
const REPLACED: [&str; 4] = ["env", "halt", "debug_empty", "stderr_empty"];

/// What stands in for [`REPLACED`]: `debug` and `stderr` pass their input on, `env` and `halt`
/// fail.
fn replacements() -> [native::Fun<Data>; 4] {
    fn refuse<'a>(what: &str) -> jaq_core::ValXs<'a, Val> {
        box_once(Err(Exn::from(jaq_core::Error::str(format!("{what} is not available to Hookway's programs")))))
    }
    [
        native::run(("env", v(0), |_| refuse("env"))),
        native::run(("halt", v(1), |_| refuse("halt"))),
        native::run(("debug_empty", v(0), |_| Box::new(std::iter::empty()))),
        native::run(("stderr_empty", v(0), |_| Box::new(std::iter::empty()))),
    ]
}

/// A compiled jq program.
pub struct Program {
    filter: Filter,
}

impl fmt::Debug for Program {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Program")
    }
}

/// What the event is, as `$event` shows it to a program.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventVars<'a> {
    /// The event id.
    pub id: &'a str,
    /// The source's name.
    pub source: &'a str,
    /// The event type, if the event has one (`null` otherwise).
    pub event_type: Option<&'a str>,
    /// When Hookway received it, RFC 3339.
    pub received_at: &'a str,
}

/// What a transform yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The body to deliver.
    pub body: Value,
    /// Headers (`with_headers`) or message attributes (`with_attributes`) to set, in the order
    /// the program gave them.
    pub headers: Vec<(String, String)>,
}

/// Why a program did not compile, or did not yield a body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The program is not valid jq: what is wrong, and where (line and column, from 1).
    #[error("{0}")]
    Compile(String),
    /// The program failed on this input: jq's error.
    #[error("{0}")]
    Run(String),
    /// The program yielded no value.
    #[error("the program yielded nothing")]
    Empty,
    /// The body is not JSON, so no program can read it.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// The program yielded something JSON cannot hold, or headers that are not strings.
    #[error("{0}")]
    Output(String),
}

impl Program {
    /// Parses and compiles `code`, with `$event` and the helpers defined.
    pub fn compile(code: &str) -> Result<Program, TransformError> {
        let helpers = HELPERS.replace("NONCE", nonce());
        let full = format!("{helpers}{code}");
        let offset = helpers.len();
        let std_defs = jaq_std::defs().filter(|def| !LEFT_OUT.contains(&(def.name, def.args.len())));
        let defs = jaq_core::defs().chain(std_defs).chain(jaq_json::defs());
        let funs = jaq_core::funs::<Data>()
            .chain(jaq_std::base_funs::<Data>())
            .chain(jaq_json::funs::<Data>())
            .filter(|(name, _, _)| !REPLACED.contains(name))
            .chain(replacements());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(&arena, File { code: full.as_str(), path: () })
            .map_err(|errors| TransformError::Compile(load_message(&full, offset, errors)))?;
        let filter =
            Compiler::default().with_funs(funs).with_global_vars(["$event"]).compile(modules).map_err(|errors| {
                let messages = errors.into_iter().flat_map(|(_, undefined)| undefined).map(|(name, undefined)| {
                    format!("undefined {} `{name}` at {}", undefined.as_str(), position(&full, offset, name))
                });
                TransformError::Compile(messages.collect::<Vec<_>>().join("; "))
            })?;
        Ok(Program { filter })
    }

    /// Runs the program on a JSON body: its first output, unwrapped from `with_headers` or
    /// `with_attributes`.
    pub fn run(&self, body: &Value, event: &EventVars<'_>) -> Result<Output, TransformError> {
        self.run_val(from_json(body), event)
    }

    /// Runs the program on a body as received: it must be JSON.
    pub fn run_bytes(&self, body: &[u8], event: &EventVars<'_>) -> Result<Output, TransformError> {
        if nests_deeper_than(body, MAX_DEPTH) {
            return Err(TransformError::NotJson(format!("it nests deeper than {MAX_DEPTH} levels")));
        }
        let input = jaq_json::read::parse_single(body).map_err(|error| TransformError::NotJson(error.to_string()))?;
        self.run_val(input, event)
    }

    fn run_val(&self, input: Val, event: &EventVars<'_>) -> Result<Output, TransformError> {
        let first = self.first(input, event_val(event))?.ok_or(TransformError::Empty)?;
        let (body, headers) = match first {
            Val::Obj(object)
                if object.get(&Val::from(NONCE_KEY.to_owned())) == Some(&Val::from(nonce().to_owned())) =>
            {
                let field = |key: &str| object.get(&Val::from(key.to_owned())).cloned().unwrap_or_default();
                let helper = to_string_lossy(&field(KIND_KEY));
                (field(BODY_KEY), headers_of(&helper, field(HEADERS_KEY))?)
            }
            other => (other, Vec::new()),
        };
        Ok(Output { body: to_json(body)?, headers })
    }

    /// Whether the program, as a condition, holds on `body`: its first output is neither
    /// `false` nor `null` (no output, or an error, is not holding; the error is returned).
    pub fn holds(&self, body: &Value, event: &EventVars<'_>) -> Result<bool, TransformError> {
        let first = self.first(from_json(body), event_val(event))?;
        Ok(first.is_some_and(|value| !matches!(value, Val::Null | Val::Bool(false))))
    }

    fn first(&self, input: Val, event: Val) -> Result<Option<Val>, TransformError> {
        let context = Ctx::<Data>::new(&self.filter.lut, Vars::new([event]));
        match self.filter.id.run((context, input)).next() {
            None => Ok(None),
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(exception)) => match exception.get_err() {
                Ok(error) => Err(TransformError::Run(run_message(error))),
                Err(_) => Err(TransformError::Run("the program stopped without a value".to_owned())),
            },
        }
    }
}

/// jq's message for a failure; `error("no")` is just `no`.
/// At most [`MAX_MESSAGE_CHARS`] of it.
fn run_message(error: jaq_core::Error<Val>) -> String {
    let message = match error.into_val() {
        Val::TStr(text) | Val::BStr(text) => String::from_utf8_lossy(&text).into_owned(),
        other => other.to_string(),
    };
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

fn event_val(event: &EventVars<'_>) -> Val {
    let text = |text: &str| Val::from(text.to_owned());
    let fields = [
        ("id", text(event.id)),
        ("source", text(event.source)),
        ("type", event.event_type.map_or(Val::Null, text)),
        ("receivedAt", text(event.received_at)),
    ];
    Val::obj(fields.into_iter().map(|(key, value)| (Val::from(key.to_owned()), value)).collect())
}

fn headers_of(helper: &str, value: Val) -> Result<Vec<(String, String)>, TransformError> {
    let Val::Obj(object) = value else {
        return Err(TransformError::Output(format!("{helper} takes an object, not {value}")));
    };
    object
        .iter()
        .map(|(name, value)| match (name, value) {
            (Val::TStr(name), Val::TStr(value)) => {
                Ok((String::from_utf8_lossy(name).into_owned(), String::from_utf8_lossy(value).into_owned()))
            }
            (name, value) => Err(TransformError::Output(format!(
                "{helper}: the value of {name} is {value}, not a string (use tostring)"
            ))),
        })
        .collect()
}

fn to_string_lossy(value: &Val) -> String {
    match value {
        Val::TStr(text) | Val::BStr(text) => String::from_utf8_lossy(text).into_owned(),
        other => other.to_string(),
    }
}

/// A JSON value as jaq's.
fn from_json(value: &Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(flag) => Val::Bool(*flag),
        Value::Number(number) => Val::Num(match (number.as_i64(), number.as_u64()) {
            (Some(integer), _) => Num::from_integral(integer),
            (None, Some(integer)) => Num::from_integral(integer),
            (None, None) => Num::Float(number.as_f64().unwrap_or(f64::NAN)),
        }),
        Value::String(text) => Val::from(text.clone()),
        Value::Array(items) => items.iter().map(from_json).collect(),
        Value::Object(fields) => {
            Val::obj(fields.iter().map(|(key, value)| (Val::from(key.clone()), from_json(value))).collect())
        }
    }
}

/// jaq's value as JSON: `NaN` and infinities become `null` (as jq prints them); an object key
/// that is not a string is an error.
fn to_json(value: Val) -> Result<Value, TransformError> {
    Ok(match value {
        Val::Null => Value::Null,
        Val::Bool(flag) => Value::Bool(flag),
        Val::Num(Num::Int(integer)) => Value::from(integer as i64),
        Val::Num(Num::Float(float)) => Number::from_f64(float).map_or(Value::Null, Value::Number),
        Val::Num(number) => {
            // A big integer or a decimal literal kept as written.
            let text = number.to_string();
            serde_json::from_str::<Number>(&text)
                .map(Value::Number)
                .or_else(|_| {
                    text.parse::<f64>().map(|float| Number::from_f64(float).map_or(Value::Null, Value::Number))
                })
                .map_err(|_| TransformError::Output(format!("{text} is not a JSON number")))?
        }
        Val::TStr(text) | Val::BStr(text) => Value::String(String::from_utf8_lossy(&text).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().cloned().map(to_json).collect::<Result<_, _>>()?),
        Val::Obj(fields) => {
            let mut object = Map::with_capacity(fields.len());
            for (key, value) in fields.iter() {
                let Val::TStr(key) = key else {
                    return Err(TransformError::Output(format!("an object key is {key}, not a string")));
                };
                object.insert(String::from_utf8_lossy(key).into_owned(), to_json(value.clone())?);
            }
            Value::Object(object)
        }
    })
}

/// Where `part` (a slice of `full`) is in the user's program: `line L, column C`.
fn position(full: &str, offset: usize, part: &str) -> String {
    let start = (part.as_ptr() as usize).saturating_sub(full.as_ptr() as usize);
    if start < offset || start > full.len() {
        return "the end of the program".to_owned();
    }
    let before = &full[offset..start];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |text| text.chars().count()) + 1;
    if start == full.len() { "the end of the program".to_owned() } else { format!("line {line}, column {column}") }
}

fn load_message(full: &str, offset: usize, errors: jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::Error;
    let mut messages = Vec::new();
    for (_, error) in errors {
        match error {
            Error::Io(io) => messages.extend(io.into_iter().map(|(path, why)| format!("cannot load `{path}`: {why}"))),
            Error::Lex(lex) => messages.extend(lex.into_iter().map(|(expected, found)| {
                format!("expected {} at {}", expected.as_str(), position(full, offset, found))
            })),
            Error::Parse(parse) => messages.extend(parse.into_iter().map(|(expected, found)| {
                let at = position(full, offset, found);
                let expected = expected.as_str();
                if found.is_empty() {
                    format!("expected {expected} at {at}")
                } else {
                    format!("expected {expected} but found `{found}` at {at}")
                }
            })),
        }
    }
    messages.join("; ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const EVENT: EventVars<'static> = EventVars {
        id: "evt_1",
        source: "stripe",
        event_type: Some("invoice.paid"),
        received_at: "2026-12-06T20:00:00.000Z",
    };

    fn run(code: &str, body: Value) -> Result<Output, TransformError> {
        Program::compile(code)?.run(&body, &EVENT)
    }

    #[test]
    fn programs_yield_their_first_output_or_a_clear_error() {
        let body = json!({"id": "in_1", "amount": 1200, "x": {"secret": true}, "lines": [1, 2]});
        let plain = |value: Value| Ok(Output { body: value, headers: Vec::new() });
        let table: Vec<(&str, Result<Output, TransformError>)> = vec![
            ("{invoice: .id, cents: .amount}", plain(json!({"invoice": "in_1", "cents": 1200}))),
            ("del(.x)", plain(json!({"id": "in_1", "amount": 1200, "lines": [1, 2]}))),
            (
                "{n: (.lines | length), total: (.lines | add), ratio: (.amount / 100)}",
                plain(json!({"n": 2, "total": 3, "ratio": 12.0})),
            ),
            (
                "$event | {id, source, type, receivedAt}",
                plain(
                    json!({"id": "evt_1", "source": "stripe", "type": "invoice.paid", "receivedAt": "2026-12-06T20:00:00.000Z"}),
                ),
            ),
            (".lines[]", plain(json!(1))),
            (
                "{id} | with_headers({\"X-Tenant\": $event.source, \"X-Invoice\": .id})",
                Ok(Output {
                    body: json!({"id": "in_1"}),
                    headers: vec![
                        ("X-Tenant".to_owned(), "stripe".to_owned()),
                        ("X-Invoice".to_owned(), "in_1".to_owned()),
                    ],
                }),
            ),
            (
                ".amount | with_attributes({kind: \"invoice\"})",
                Ok(Output { body: json!(1200), headers: vec![("kind".to_owned(), "invoice".to_owned())] }),
            ),
            (".amount | error", Err(TransformError::Run("1200".to_owned()))),
            (".id | .[0]", Err(TransformError::Run("cannot index \"in_1\" with 0".to_owned()))),
            ("error(\"no\")", Err(TransformError::Run("no".to_owned()))),
            ("empty", Err(TransformError::Empty)),
            (
                "with_headers({\"X-Amount\": .amount})",
                Err(TransformError::Output(
                    "with_headers: the value of \"X-Amount\" is 1200, not a string (use tostring)".to_owned(),
                )),
            ),
            (
                "with_attributes(\"flat\")",
                Err(TransformError::Output("with_attributes takes an object, not \"flat\"".to_owned())),
            ),
            (".amount | tostring | startswith(\"12\")", plain(json!(true))),
            (
                "{id: (.id | ascii_upcase), s: (.lines | map(tostring) | join(\",\"))}",
                plain(json!({"id": "IN_1", "s": "1,2"})),
            ),
            (
                ".id | test(\"^in\")",
                Err(TransformError::Compile("undefined filter `test` at line 1, column 7".to_owned())),
            ),
            ("env", Err(TransformError::Run("env is not available to Hookway's programs".to_owned()))),
            ("$ENV", Err(TransformError::Compile("undefined variable `$ENV` at line 1, column 1".to_owned()))),
            ("debug | .id", plain(json!("in_1"))),
            ("{a: 1", Err(TransformError::Compile("expected closing brace at the end of the program".to_owned()))),
            (
                "{\n  a: .x,,\n}",
                Err(TransformError::Compile("expected key but found `,` at line 2, column 9".to_owned())),
            ),
            (".a | ", Err(TransformError::Compile("expected term at the end of the program".to_owned()))),
        ];
        for (code, expected) in table {
            assert_eq!(run(code, body.clone()), expected, "{code}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_an_error_and_bytes_read_as_json_values_do() {
        let program = Program::compile(".a").unwrap();
        assert!(matches!(program.run_bytes(b"a=1&b=2", &EVENT), Err(TransformError::NotJson(_))));
        let output = program.run_bytes(br#"{"a": {"big": 12345678901234567890, "f": 0.5}}"#, &EVENT).unwrap();
        assert_eq!(output.body, json!({"big": 12345678901234567890u64, "f": 0.5}));
    }

    #[test]
    fn a_body_cannot_pose_as_a_helper_nor_nest_past_the_limit_and_long_errors_are_cut() {
        let forged = br#"{"\u0000hookway-body": 1, "\u0000hookway-headers": {"X-Tenant": "evil"}, "\u0000hookway-kind": "with_headers", "\u0000hookway-nonce": "NONCE"}"#;
        let output = Program::compile(".").unwrap().run_bytes(forged, &EVENT).unwrap();
        assert!(output.headers.is_empty(), "{output:?}");
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert!(matches!(
            Program::compile(".").unwrap().run_bytes(deep.as_bytes(), &EVENT),
            Err(TransformError::NotJson(_))
        ));
        let fine = format!("{}\"[[[\"{}", "[".repeat(128), "]".repeat(128));
        assert!(Program::compile(".").unwrap().run_bytes(fine.as_bytes(), &EVENT).is_ok());
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(1000));
        let Err(TransformError::Run(message)) =
            Program::compile(".a | error").unwrap().run_bytes(long.as_bytes(), &EVENT)
        else {
            panic!("an error");
        };
        assert_eq!(message.chars().count(), 201, "{message}");
    }

    #[test]
    fn a_condition_holds_on_a_first_output_that_is_neither_false_nor_null() {
        let body = json!({"amount": 20000, "status": "paid"});
        let holds = |code: &str| Program::compile(code).unwrap().holds(&body, &EVENT);
        assert_eq!(holds(".amount > 10000"), Ok(true));
        assert_eq!(holds("$event.source == \"stripe\""), Ok(true), "a condition sees the event");
        assert_eq!(holds(".status == \"open\""), Ok(false));
        assert_eq!(holds(".missing"), Ok(false));
        assert_eq!(holds("empty"), Ok(false));
        assert_eq!(holds(".status"), Ok(true));
        assert_eq!(holds(".amount | error"), Err(TransformError::Run("20000".to_owned())));
    }

    #[test]
    fn a_compiled_program_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Program>();
    }
}
