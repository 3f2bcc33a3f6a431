//! One error type for the library. Every layer maps its failures into an
//! [`Error`] with a [`ErrorKind`], so the API can turn it into an HTTP status
//! and the CLI into a message, without either knowing where it came from.

use datafusion::error::DataFusionError;

/// What went wrong, coarsely: enough to choose an HTTP status or exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The statement does not parse.
    Parse,
    /// The statement parses but cannot be planned (unknown column, bad types, unsupported form).
    Plan,
    /// A database, table, partition or function does not exist.
    NotFound,
    /// The object to create exists already.
    AlreadyExists,
    /// The caller may not do this (remote caller, disabled by config).
    Forbidden,
    /// The query ran past its time limit.
    Timeout,
    /// The query was cancelled.
    Cancelled,
    /// The data or a function's arguments do not allow the statement: a value
    /// a cast or function refuses, a division by zero where Hive errs too.
    InvalidData,
    /// The statement needs more than the server's limits allow (memory,
    /// the size of a function's results).
    ResourcesExhausted,
    /// Execution failed on the server's side (a storage or I/O error).
    Execution,
    /// A service this one depends on (the cluster's scheduler) cannot be reached.
    Unavailable,
    /// A bug or an unexpected state.
    Internal,
}

/// An error with its kind and a message meant for the user.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn parse(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Parse, message)
    }
    pub fn plan(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plan, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn exists(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn execution(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Execution, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A refusal of what the caller may not do (read the server's disk outside
/// the allowed directories), raised inside DataFusion's external error by a
/// function, so the embedding server can answer 403 rather than a failure.
#[derive(Debug, Clone)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// The text of a panic payload, when it has one.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}

/// `plan_err!` / `exec_err!` style shortcuts.
#[macro_export]
macro_rules! plan_err {
    ($($arg:tt)*) => { Err($crate::error::Error::plan(format!($($arg)*))) };
}

impl From<DataFusionError> for Error {
    fn from(e: DataFusionError) -> Self {
        // DataFusion wraps errors in context layers; classify by the innermost one.
        let kind = match e.find_root() {
            DataFusionError::SQL(..) => ErrorKind::Parse,
            DataFusionError::Plan(msg) if msg.contains("not found") => ErrorKind::NotFound,
            DataFusionError::Plan(_)
            | DataFusionError::SchemaError(..)
            | DataFusionError::NotImplemented(_)
            | DataFusionError::Configuration(_) => ErrorKind::Plan,
            DataFusionError::External(inner) => {
                if let Some(err) = inner.downcast_ref::<Error>() {
                    return err.clone();
                }
                if let Some(refusal) = inner.downcast_ref::<Refusal>() {
                    return Self::forbidden(refusal.to_string());
                }
                ErrorKind::Execution
            }
            // What DataFusion and the functions raise while computing values
            // (a cast that fails, a bad argument) is about the data, not the server.
            DataFusionError::Execution(_) => ErrorKind::InvalidData,
            DataFusionError::ArrowError(e, _) if arrow_data_error(e) => ErrorKind::InvalidData,
            DataFusionError::ResourcesExhausted(_) => ErrorKind::ResourcesExhausted,
            _ => ErrorKind::Execution,
        };
        let message = match e.find_root() {
            DataFusionError::External(inner) => inner.to_string(),
            root => root.to_string(),
        };
        // Ballista's client reports an unreachable scheduler as a transport error.
        if message.contains("tonic::transport::Error") {
            return Self::new(ErrorKind::Unavailable, format!("cannot reach the cluster's scheduler: {message}"));
        }
        Self::new(kind, message)
    }
}

/// Arrow's errors about values rather than about I/O or the code.
fn arrow_data_error(e: &arrow::error::ArrowError) -> bool {
    use arrow::error::ArrowError as A;
    matches!(
        e,
        A::CastError(_)
            | A::ParseError(_)
            | A::InvalidArgumentError(_)
            | A::DivideByZero
            | A::ArithmeticOverflow(_)
            | A::ComputeError(_)
            | A::CsvError(_)
            | A::JsonError(_)
    )
}

impl From<Error> for DataFusionError {
    fn from(e: Error) -> Self {
        DataFusionError::External(Box::new(e))
    }
}

impl From<object_store::Error> for Error {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => Self::not_found(format!("no such file or object: {path}")),
            other => Self::execution(format!("storage: {other}")),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::execution(format!("I/O: {e}"))
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(e: arrow::error::ArrowError) -> Self {
        let kind = if arrow_data_error(&e) { ErrorKind::InvalidData } else { ErrorKind::Execution };
        Self::new(kind, e.to_string())
    }
}

impl From<sqlparser_error::ParserError> for Error {
    fn from(e: sqlparser_error::ParserError) -> Self {
        Self::parse(e.to_string())
    }
}

mod sqlparser_error {
    pub use datafusion::sql::sqlparser::parser::ParserError;
}
