//! HiveQL statements as ENMA understands them. Queries keep sqlparser's AST
//! (DataFusion plans them); everything Hive-specific is a variant here.

use std::collections::BTreeMap;

use datafusion::sql::sqlparser::ast;

use enma_metastore::{Column, StorageFormat};

/// `[db.]name`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableName {
    pub database: Option<String>,
    pub name: String,
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.database {
            Some(db) => write!(f, "{db}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// `PARTITION (k='v', dyn)`: `None` values are dynamic.
pub type PartitionSpec = Vec<(String, Option<String>)>;

/// DESCRIBE's level of detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescribeMode {
    Plain,
    Extended,
    Formatted,
}

/// CREATE TABLE, all its clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    pub name: TableName,
    pub external: bool,
    pub temporary: bool,
    pub if_not_exists: bool,
    pub columns: Vec<Column>,
    pub comment: Option<String>,
    pub partition_columns: Vec<Column>,
    pub format: Option<StorageFormat>,
    /// `STORED BY 'class'`.
    pub storage_handler: Option<String>,
    /// From ROW FORMAT DELIMITED / SERDE ... WITH SERDEPROPERTIES, with Hive's keys.
    pub serde_properties: BTreeMap<String, String>,
    pub location: Option<String>,
    pub properties: BTreeMap<String, String>,
    /// CREATE TABLE ... AS SELECT.
    pub query: Option<Box<ast::Query>>,
    /// CREATE TABLE ... LIKE other.
    pub like: Option<TableName>,
}

/// One HiveQL statement.
#[derive(Debug, Clone)]
pub enum HiveStatement {
    /// SELECT / WITH / VALUES, planned by DataFusion.
    Query(Box<ast::Statement>),
    Explain {
        analyze: bool,
        verbose: bool,
        statement: Box<HiveStatement>,
    },
    CreateDatabase {
        name: String,
        if_not_exists: bool,
        comment: Option<String>,
        location: Option<String>,
        properties: BTreeMap<String, String>,
    },
    DropDatabase {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    Use(String),
    ShowDatabases {
        like: Option<String>,
    },
    ShowTables {
        database: Option<String>,
        like: Option<String>,
    },
    ShowPartitions {
        table: TableName,
        spec: Option<PartitionSpec>,
    },
    ShowCreateTable(TableName),
    ShowTblProperties(TableName),
    ShowColumns(TableName),
    /// `SHOW FUNCTIONS [LIKE 'pattern']`.
    ShowFunctions {
        like: Option<String>,
    },
    /// `CREATE [TEMPORARY] FUNCTION [db.]name AS 'class'`: binds a SQL name
    /// to a function built into ENMA.
    CreateFunction {
        name: TableName,
        class: String,
        temporary: bool,
    },
    /// `DROP [TEMPORARY] FUNCTION [IF EXISTS] [db.]name`.
    DropFunction {
        name: TableName,
        temporary: bool,
        if_exists: bool,
    },
    /// `DESCRIBE FUNCTION [EXTENDED] name`.
    DescribeFunction {
        name: String,
        extended: bool,
    },
    DescribeDatabase {
        name: String,
        extended: bool,
    },
    Describe {
        table: TableName,
        mode: DescribeMode,
        column: Option<String>,
    },
    CreateTable(Box<CreateTable>),
    DropTable {
        table: TableName,
        if_exists: bool,
    },
    Truncate {
        table: TableName,
        partition: Option<PartitionSpec>,
    },
    RenameTable {
        from: TableName,
        to: TableName,
    },
    AddColumns {
        table: TableName,
        columns: Vec<Column>,
        replace: bool,
    },
    /// CHANGE [COLUMN] old new type [COMMENT] [FIRST | AFTER col]; `position`:
    /// `None` keeps the place, `Some(None)` is FIRST, `Some(Some(c))` is AFTER c.
    ChangeColumn {
        table: TableName,
        old: String,
        column: Column,
        position: Option<Option<String>>,
    },
    AddPartitions {
        table: TableName,
        if_not_exists: bool,
        partitions: Vec<(PartitionSpec, Option<String>)>,
    },
    /// Each spec is a list of `column op value` comparisons (`=` in the usual form).
    DropPartitions {
        table: TableName,
        if_exists: bool,
        specs: Vec<Vec<(String, String, String)>>,
    },
    SetTblProperties {
        table: TableName,
        properties: BTreeMap<String, String>,
    },
    SetLocation {
        table: TableName,
        partition: Option<PartitionSpec>,
        location: String,
    },
    Msck {
        table: TableName,
    },
    Insert {
        table: TableName,
        overwrite: bool,
        partition: Option<PartitionSpec>,
        columns: Vec<String>,
        query: Box<ast::Query>,
    },
    Load {
        local: bool,
        path: String,
        overwrite: bool,
        table: TableName,
        partition: Option<PartitionSpec>,
    },
    /// `SET`, `SET k`, `SET k=v`.
    Set {
        key: Option<String>,
        value: Option<String>,
    },
    Reset,
    /// Several statements from one (FROM-first multi-insert), run in order.
    Multi(Vec<HiveStatement>),
}
