//! The metastore's records: databases, tables, partitions. These are plain
//! serialisable values; [`super::Metastore`] keeps them durable and consistent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use enma_storage::StorageFormat;

/// Hive's rule for database and table names (its metastore's `validateName`):
/// letters, digits and `_`, at most 128 characters. Quoting a name in SQL
/// does not widen it: names become directory names under the warehouse.
pub fn check_object_name(kind: &str, name: &str) -> Result<()> {
    let valid = !name.is_empty() && name.len() <= 128 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(Error::plan(format!(
            "Invalid {kind} name {}: use letters, digits and _ (at most 128 characters)",
            name.escape_debug()
        )))
    }
}

/// A database (Hive's "schema"): a namespace of tables with a default location.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Database {
    pub name: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// Where managed tables of this database live, as an object-store URL.
    pub location: String,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// Managed tables own their data; external tables only point at it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum TableKind {
    Managed,
    External,
}

impl TableKind {
    /// Hive's name for the kind, as DESCRIBE FORMATTED prints it.
    pub fn hive_name(self) -> &'static str {
        match self {
            TableKind::Managed => "MANAGED_TABLE",
            TableKind::External => "EXTERNAL_TABLE",
        }
    }
}

/// A column: its name, its Hive type as written (`decimal(10,2)`, `map<string,int>`), a comment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Column {
    pub name: String,
    pub hive_type: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A table: schema, storage, partitioning.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Table {
    pub database: String,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub partition_columns: Vec<Column>,
    /// The table's location, as declared or given by the warehouse.
    pub location: String,
    /// For unpartitioned tables: the directory under `location` that holds the
    /// current data, when an INSERT OVERWRITE has switched it (see `storage::commit`).
    #[serde(default)]
    pub data_dir: Option<String>,
    pub format: StorageFormat,
    /// `STORED BY 'class'`: a table whose rows live outside files (the HBase
    /// storage handler, bound to the key-value store); `format` is unused then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_handler: Option<String>,
    /// SerDe properties with Hive's keys (`field.delim`, `colelction.delim`,
    /// `mapkey.delim`, `line.delim`, `serialization.null.format`, `escape.delim`, ...).
    #[serde(default)]
    pub serde_properties: BTreeMap<String, String>,
    /// TBLPROPERTIES.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub partitions: Vec<Partition>,
}

impl Table {
    /// `db.table`, as Hive names tables in messages.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.database, self.name)
    }
    pub fn is_partitioned(&self) -> bool {
        !self.partition_columns.is_empty()
    }
    /// Data columns followed by partition columns: the schema a SELECT sees.
    pub fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().chain(self.partition_columns.iter())
    }
    /// The directory holding the current data of an unpartitioned table.
    pub fn current_data_location(&self) -> String {
        join_location(&self.location, self.data_dir.as_deref())
    }
    pub fn partition(&self, values: &[String]) -> Option<&Partition> {
        self.partitions.iter().find(|p| p.values == values)
    }
}

/// One partition of a table: its values (in partition column order) and where its data lives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partition {
    pub values: Vec<String>,
    pub location: String,
    /// As [`Table::data_dir`], for this partition.
    #[serde(default)]
    pub data_dir: Option<String>,
}

impl Partition {
    pub fn current_data_location(&self) -> String {
        join_location(&self.location, self.data_dir.as_deref())
    }
    /// `k1=v1/k2=v2`, Hive's partition name, with values escaped as in paths.
    pub fn name(&self, table: &Table) -> String {
        partition_name(table, &self.values)
    }
}

/// Hive's partition name for `values` of `table`: `k1=v1/k2=v2`.
pub fn partition_name(table: &Table, values: &[String]) -> String {
    table
        .partition_columns
        .iter()
        .zip(values)
        .map(|(c, v)| format!("{}={}", c.name, enma_storage::paths::escape_path_name(v)))
        .collect::<Vec<_>>()
        .join("/")
}

/// `base` joined with an optional relative directory.
pub fn join_location(base: &str, dir: Option<&str>) -> String {
    match dir {
        None => base.to_string(),
        Some(d) => format!("{}/{}", base.trim_end_matches('/'), d),
    }
}
