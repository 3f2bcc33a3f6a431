//! The file formats of Hive tables, by their `STORED AS` names.

use serde::{Deserialize, Serialize};

/// How a table's files are encoded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum StorageFormat {
    Parquet,
    TextFile,
    JsonFile,
    Orc,
}

impl StorageFormat {
    pub fn from_hive_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "PARQUET" | "PARQUETFILE" => Some(Self::Parquet),
            "TEXTFILE" => Some(Self::TextFile),
            "JSONFILE" => Some(Self::JsonFile),
            "ORC" | "ORCFILE" => Some(Self::Orc),
            _ => None,
        }
    }
    /// The keyword of `STORED AS`.
    pub fn hive_name(self) -> &'static str {
        match self {
            Self::Parquet => "PARQUET",
            Self::TextFile => "TEXTFILE",
            Self::JsonFile => "JSONFILE",
            Self::Orc => "ORC",
        }
    }
    /// File name extension of files this engine writes.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::TextFile => "txt",
            Self::JsonFile => "json",
            Self::Orc => "orc",
        }
    }
    /// The SerDe, input and output format classes Hive names for this format.
    pub fn hive_classes(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Parquet => (
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            ),
            Self::TextFile => (
                "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            ),
            Self::JsonFile => (
                "org.apache.hadoop.hive.serde2.JsonSerDe",
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            ),
            Self::Orc => (
                "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
                "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
                "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
            ),
        }
    }
}
