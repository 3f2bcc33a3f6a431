//! The store's one error type; protocol layers map each kind to their own codes.

/// What went wrong, in the words a client of HBase would expect.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("table '{0}' does not exist")]
    TableNotFound(String),
    #[error("table '{0}' already exists")]
    TableExists(String),
    #[error("table '{0}' is disabled")]
    TableDisabled(String),
    #[error("table '{0}' must be disabled first")]
    TableEnabled(String),
    #[error("namespace '{0}' does not exist")]
    NamespaceNotFound(String),
    #[error("namespace '{0}' already exists")]
    NamespaceExists(String),
    #[error("namespace '{0}' is not empty")]
    NamespaceNotEmpty(String),
    #[error("column family '{family}' does not exist in table '{table}'")]
    NoSuchFamily { table: String, family: String },
    #[error("{0}")]
    InvalidArgument(String),
    /// A row key, column or value beyond the store's limits (see [`crate::MAX_ROW_BYTES`]
    /// and its neighbours); a client error, like `InvalidArgument`.
    #[error("{0}")]
    TooLarge(String),
    #[error("storage: {0}")]
    Storage(#[from] fjall::Error),
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }
}
