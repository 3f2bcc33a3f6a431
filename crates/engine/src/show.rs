//! SHOW and DESCRIBE: what the metastore knows, printed as Hive prints it.

use super::output::{QueryOutput, rows_output};
use super::session::Session;
use crate::error::{Error, Result};
use enma_hive::statement::{DescribeMode, PartitionSpec, TableName};
use enma_metastore::{Column, Table, TableKind};

/// Hive's SHOW ... LIKE pattern: `*` matches anything, `|` separates
/// alternatives, case-insensitive.
pub fn like_matches(pattern: &str, name: &str) -> bool {
    pattern.split('|').any(|alt| {
        let re = format!("^(?i){}$", alt.trim().split('*').map(regex::escape).collect::<Vec<_>>().join(".*"));
        regex::Regex::new(&re).is_ok_and(|r| r.is_match(name))
    })
}

fn s(v: impl Into<String>) -> Option<String> {
    Some(v.into())
}

fn column_rows(cols: &[Column]) -> Vec<Vec<Option<String>>> {
    cols.iter().map(|c| vec![s(&c.name), s(&c.hive_type), s(c.comment.clone().unwrap_or_default())]).collect()
}

fn time_text(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%a %b %d %H:%M:%S UTC %Y").to_string())
        .unwrap_or_default()
}

impl Session {
    pub(crate) fn show_databases(&self, like: Option<String>) -> Result<QueryOutput> {
        let rows = self
            .shared
            .metastore
            .databases()?
            .into_iter()
            .filter(|d| like.as_ref().is_none_or(|p| like_matches(p, &d.name)))
            .map(|d| vec![s(d.name)])
            .collect();
        Ok(rows_output(&["database_name"], rows))
    }

    pub(crate) fn show_tables(&self, database: Option<String>, like: Option<String>) -> Result<QueryOutput> {
        let db = database.unwrap_or_else(|| self.database.clone());
        let rows = self
            .shared
            .metastore
            .table_names(&db)?
            .into_iter()
            .filter(|t| like.as_ref().is_none_or(|p| like_matches(p, t)))
            .map(|t| vec![s(t)])
            .collect();
        Ok(rows_output(&["tab_name"], rows))
    }

    fn table(&self, name: &TableName) -> Result<Table> {
        self.shared.metastore.table(self.db_of(name), &name.name)
    }

    pub(crate) fn show_partitions(&self, name: TableName, spec: Option<PartitionSpec>) -> Result<QueryOutput> {
        let table = self.table(&name)?;
        if !table.is_partitioned() {
            return Err(Error::plan(format!("Table {} is not a partitioned table", table.name)));
        }
        let parts = super::ddl::matching_partitions(&table, spec.as_ref())?;
        let mut names: Vec<String> = parts.iter().map(|p| p.name(&table)).collect();
        names.sort();
        Ok(rows_output(&["partition"], names.into_iter().map(|n| vec![s(n)]).collect()))
    }

    pub(crate) fn show_tblproperties(&self, name: TableName) -> Result<QueryOutput> {
        let table = self.table(&name)?;
        let mut rows: Vec<Vec<Option<String>>> = table.properties.iter().map(|(k, v)| vec![s(k), s(v)]).collect();
        if table.kind == TableKind::External {
            rows.push(vec![s("EXTERNAL"), s("TRUE")]);
        }
        rows.push(vec![s("transient_lastDdlTime"), s(table.create_time.to_string())]);
        rows.sort();
        Ok(rows_output(&["prpt_name", "prpt_value"], rows))
    }

    pub(crate) fn show_columns(&self, name: TableName) -> Result<QueryOutput> {
        let table = self.table(&name)?;
        Ok(rows_output(&["field"], table.all_columns().map(|c| vec![s(&c.name)]).collect()))
    }

    pub(crate) fn describe_database(&self, name: String, extended: bool) -> Result<QueryOutput> {
        let db = self.shared.metastore.database(&name)?;
        let props = if extended && !db.properties.is_empty() {
            format!("{{{}}}", db.properties.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
        } else {
            String::new()
        };
        let mut row = vec![s(db.name), s(db.comment.unwrap_or_default()), s(db.location), s("enma"), s("USER")];
        if extended {
            row.push(s(props));
        }
        let cols: &[&str] = if extended {
            &["db_name", "comment", "location", "owner_name", "owner_type", "parameters"]
        } else {
            &["db_name", "comment", "location", "owner_name", "owner_type"]
        };
        Ok(rows_output(cols, vec![row]))
    }

    pub(crate) fn describe(&self, name: TableName, mode: DescribeMode, column: Option<String>) -> Result<QueryOutput> {
        let table = self.table(&name)?;
        let header = ["col_name", "data_type", "comment"];
        if let Some(col) = column {
            let c = table
                .all_columns()
                .find(|c| c.name == col.to_ascii_lowercase())
                .ok_or_else(|| Error::plan(format!("Invalid column reference {col}")))?;
            return Ok(rows_output(&header, column_rows(std::slice::from_ref(c))));
        }
        let blank = || vec![s(""), s(""), s("")];
        let mut rows = Vec::new();
        if mode == DescribeMode::Formatted {
            rows.push(vec![s("# col_name"), s("data_type"), s("comment")]);
            rows.push(blank());
        }
        rows.extend(column_rows(&table.columns));
        if mode != DescribeMode::Formatted {
            rows.extend(column_rows(&table.partition_columns));
        }
        if table.is_partitioned() {
            rows.push(blank());
            rows.push(vec![s("# Partition Information"), s(""), s("")]);
            rows.push(vec![s("# col_name"), s("data_type"), s("comment")]);
            rows.push(blank());
            rows.extend(column_rows(&table.partition_columns));
        }
        let (mut serde, mut input, mut output) = table.format.hive_classes();
        if let Some(handler) = self.shared.storage_handler(&table)? {
            // As Hive shows a non-native table: the handler's SerDe, no file formats.
            (serde, input, output) = (handler.serde(), "null", "null");
        }
        match mode {
            DescribeMode::Plain => {}
            DescribeMode::Extended => {
                rows.push(blank());
                rows.push(vec![
                    s("Detailed Table Information"),
                    s(format!(
                        "Table(tableName:{}, dbName:{}, createTime:{}, location:{}, inputFormat:{input}, outputFormat:{output}, serializationLib:{serde}, parameters:{:?}, partitionKeys:[{}], tableType:{})",
                        table.name,
                        table.database,
                        table.create_time,
                        table.location,
                        table.properties,
                        table.partition_columns.iter().map(|c| format!("{}:{}", c.name, c.hive_type)).collect::<Vec<_>>().join(", "),
                        table.kind.hive_name()
                    )),
                    s(""),
                ]);
            }
            DescribeMode::Formatted => {
                let kv = |k: &str, v: String| vec![s(k), s(v), s("")];
                rows.push(blank());
                rows.push(vec![s("# Detailed Table Information"), s(""), s("")]);
                rows.push(kv("Database:", table.database.clone()));
                rows.push(kv("Owner:", "enma".into()));
                rows.push(kv("CreateTime:", time_text(table.create_time)));
                rows.push(kv("Location:", table.location.clone()));
                rows.push(kv("Table Type:", table.kind.hive_name().into()));
                rows.push(vec![s("Table Parameters:"), s(""), s("")]);
                if table.kind == TableKind::External {
                    rows.push(vec![s(""), s("EXTERNAL"), s("TRUE")]);
                }
                if let Some(c) = &table.comment {
                    rows.push(vec![s(""), s("comment"), s(c)]);
                }
                for (k, v) in &table.properties {
                    rows.push(vec![s(""), s(k), s(v)]);
                }
                if let Some(handler) = &table.storage_handler {
                    rows.push(vec![s(""), s("storage_handler"), s(handler)]);
                }
                rows.push(blank());
                rows.push(vec![s("# Storage Information"), s(""), s("")]);
                rows.push(kv("SerDe Library:", serde.into()));
                rows.push(kv("InputFormat:", input.into()));
                rows.push(kv("OutputFormat:", output.into()));
                rows.push(kv("Compressed:", "No".into()));
                rows.push(kv("Num Buckets:", "-1".into()));
                rows.push(vec![s("Storage Desc Params:"), s(""), s("")]);
                for (k, v) in &table.serde_properties {
                    rows.push(vec![s(""), s(k), s(printable(v))]);
                }
            }
        }
        Ok(rows_output(&header, rows))
    }

    pub(crate) fn show_create_table(&self, name: TableName) -> Result<QueryOutput> {
        let t = self.table(&name)?;
        let mut lines = Vec::new();
        let ext = if t.kind == TableKind::External { "EXTERNAL " } else { "" };
        lines.push(format!("CREATE {ext}TABLE `{}.{}`(", t.database, t.name));
        let cols = |cols: &[Column]| -> Vec<String> {
            cols.iter()
                .map(|c| match &c.comment {
                    Some(cm) => format!("  `{}` {} COMMENT '{}'", c.name, c.hive_type, cm.replace('\'', "\\'")),
                    None => format!("  `{}` {}", c.name, c.hive_type),
                })
                .collect()
        };
        let body = cols(&t.columns);
        let n = body.len();
        for (i, l) in body.into_iter().enumerate() {
            lines.push(if i + 1 < n { format!("{l},") } else { format!("{l})") });
        }
        if let Some(c) = &t.comment {
            lines.push(format!("COMMENT '{}'", c.replace('\'', "\\'")));
        }
        if t.is_partitioned() {
            lines.push("PARTITIONED BY (".into());
            let body = cols(&t.partition_columns);
            let n = body.len();
            for (i, l) in body.into_iter().enumerate() {
                lines.push(if i + 1 < n { format!("{l},") } else { format!("{l})") });
            }
        }
        let (serde, input, output) = t.format.hive_classes();
        let serde = match self.shared.storage_handler(&t)? {
            Some(handler) => handler.serde(),
            None => serde,
        };
        lines.push("ROW FORMAT SERDE ".into());
        lines.push(format!("  '{serde}' "));
        if let Some(handler) = &t.storage_handler {
            lines.push("STORED BY ".into());
            lines.push(format!("  '{handler}' "));
        }
        if !t.serde_properties.is_empty() {
            lines.push("WITH SERDEPROPERTIES ( ".into());
            let props: Vec<String> =
                t.serde_properties.iter().map(|(k, v)| format!("  '{k}'='{}'", printable(v))).collect();
            let n = props.len();
            for (i, p) in props.into_iter().enumerate() {
                lines.push(if i + 1 < n { format!("{p}, ") } else { format!("{p}) ") });
            }
        }
        if t.storage_handler.is_none() {
            lines.push("STORED AS INPUTFORMAT ".into());
            lines.push(format!("  '{input}' "));
            lines.push("OUTPUTFORMAT ".into());
            lines.push(format!("  '{output}'"));
            lines.push("LOCATION".into());
            lines.push(format!("  '{}'", t.location));
        }
        if !t.properties.is_empty() {
            lines.push("TBLPROPERTIES (".into());
            let props: Vec<String> = t.properties.iter().map(|(k, v)| format!("  '{k}'='{v}'")).collect();
            let n = props.len();
            for (i, p) in props.into_iter().enumerate() {
                lines.push(if i + 1 < n { format!("{p}, ") } else { format!("{p})") });
            }
        }
        Ok(rows_output(&["createtab_stmt"], lines.into_iter().map(|l| vec![Some(l)]).collect()))
    }
}

/// Control characters in delimiters, written as Hive writes them in DDL (`\u0001`).
fn printable(v: &str) -> String {
    v.chars()
        .map(|c| {
            if (c as u32) < 0x20 && c != '\t' {
                format!("\\u{:04X}", c as u32)
            } else if c == '\t' {
                "\\t".into()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::like_matches;

    #[test]
    fn hive_like_patterns() {
        assert!(like_matches("t*", "table1"));
        assert!(like_matches("a*|b*", "bee"));
        assert!(!like_matches("a*", "ba"));
        assert!(like_matches("T1", "t1"));
    }
}
