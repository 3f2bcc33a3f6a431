//! DML: INSERT INTO / OVERWRITE (static and dynamic partitions), CTAS's
//! write, LOAD DATA, and the commit protocol that makes writes atomic.
//!
//! A table's data is organised in *units*: the table itself when it is
//! unpartitioned, else each partition. A unit has a base location and, once
//! overwritten, a current *generation* directory under it (`.gen-<id>`,
//! hidden from Hive-style listings). Readers read the generation the
//! metastore names at planning time.
//!
//! - INSERT OVERWRITE and TRUNCATE write a new generation, then switch the
//!   metastore to it in one atomic update: a reader sees the old data or the
//!   new, and a failed or killed write leaves the old data in place. A
//!   replaced generation is kept for readers still on it, and removed by a
//!   later write once its successor is older than the retention period
//!   (`SET enma.overwrite.retain.seconds`, default 600).
//! - INSERT INTO writes each unit's new file under a hidden staging directory
//!   and moves it into the unit when the query has finished; a failed insert
//!   leaves nothing behind.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow::compute::{cast, take};
use arrow::datatypes::DataType;
use datafusion::common::Column as DfColumn;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, TryCast};
use datafusion::prelude::lit;
use datafusion::sql::sqlparser::ast;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use super::ddl::full_partition_values;
use super::output::QueryOutput;
use super::session::Session;
use super::table::{arrow_fields, file_schema, text_options};
use super::{Caller, empty_output};
use crate::error::{Error, Result};
use enma_hive::statement::{PartitionSpec, TableName};
use enma_hive::types::varchar_length;
use enma_metastore::model::partition_name;
use enma_metastore::{Partition, Table, TableKind};
use enma_storage::paths::DEFAULT_PARTITION;
use enma_storage::write::FileWriter;
use enma_storage::{Location, is_hidden, list_dir, remove_dir};

/// Name of a fresh generation directory.
pub(crate) fn new_generation() -> String {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(".gen-{nanos:020}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A planned INSERT: the query projected onto the table's columns.
pub(crate) struct InsertPlan {
    pub plan: LogicalPlan,
    pub table: Table,
    /// Per partition column: the static value, or `None` when dynamic.
    pub static_values: Vec<Option<String>>,
}

/// A unit that a write changes, and how.
struct UnitChange {
    values: Option<Vec<String>>,
    base: Location,
    /// The new generation, for overwrites; `None` keeps the current one.
    generation: Option<String>,
}

impl Session {
    pub(crate) async fn insert(
        &mut self,
        table: TableName,
        overwrite: bool,
        partition: Option<PartitionSpec>,
        columns: Vec<String>,
        query: ast::Query,
    ) -> Result<QueryOutput> {
        let insert = self.insert_plan(&table, partition.as_ref(), &columns, Box::new(query)).await?;
        self.write(insert, overwrite).await?;
        Ok(empty_output())
    }

    /// Writes the rows of an already planned query into a table (CTAS).
    pub(crate) async fn write_plan(
        &mut self,
        table: &TableName,
        overwrite: bool,
        partition: Option<&PartitionSpec>,
        plan: LogicalPlan,
    ) -> Result<()> {
        let t = self.shared.metastore.table(self.db_of(table), &table.name)?;
        let insert = self.project_for_insert(t, partition, &[], plan)?;
        self.write(insert, overwrite).await
    }

    pub(crate) async fn insert_plan(
        &self,
        table: &TableName,
        partition: Option<&PartitionSpec>,
        columns: &[String],
        query: Box<ast::Query>,
    ) -> Result<InsertPlan> {
        let t = self.shared.metastore.table(self.db_of(table), &table.name)?;
        let mut query = query;
        cast_values_to_columns(&mut query, &t, partition, columns);
        let plan = self.plan_query(ast::Statement::Query(query)).await?;
        self.project_for_insert(t, partition, columns, plan)
    }

    /// Maps the query's columns, by position as in Hive, onto the table's
    /// data columns (cast to their types; a value that does not convert is
    /// NULL, as in Hive) followed by the dynamic partition columns (as text).
    fn project_for_insert(
        &self,
        table: Table,
        partition: Option<&PartitionSpec>,
        columns: &[String],
        plan: LogicalPlan,
    ) -> Result<InsertPlan> {
        let mut static_values = vec![None; table.partition_columns.len()];
        if table.is_partitioned() {
            let spec: PartitionSpec = match partition {
                Some(s) => s.clone(),
                None => table.partition_columns.iter().map(|c| (c.name.clone(), None)).collect(),
            };
            if spec.len() != table.partition_columns.len() {
                return Err(Error::plan(format!(
                    "Line 1: partition spec must name all partition columns of {} ({})",
                    table.qualified_name(),
                    table.partition_columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            for (i, c) in table.partition_columns.iter().enumerate() {
                let (_, v) = spec.iter().find(|(k, _)| k == &c.name).ok_or_else(|| {
                    Error::plan(format!("{} is not a partition column of {}", c.name, table.qualified_name()))
                })?;
                static_values[i] = v.clone().map(|v| super::ddl::normalize_partition_value(c, v));
            }
            let first_dynamic = static_values.iter().position(Option::is_none);
            if let Some(d) = first_dynamic {
                if static_values[d..].iter().any(Option::is_some) {
                    return Err(Error::plan("Dynamic partition cannot be the parent of a static partition"));
                }
                let mode = self.conf.get("hive.exec.dynamic.partition.mode").map(|s| s.to_ascii_lowercase());
                if d == 0 && mode.as_deref() != Some("nonstrict") {
                    return Err(Error::plan(
                        "Dynamic partition strict mode requires at least one static partition column. \
                         To turn this off set hive.exec.dynamic.partition.mode=nonstrict",
                    ));
                }
            }
        } else if partition.is_some() {
            return Err(Error::plan(format!(
                "table {} is not partitioned but a partition spec was given",
                table.qualified_name()
            )));
        }
        let dynamic: Vec<usize> = (0..static_values.len()).filter(|i| static_values[*i].is_none()).collect();
        let data_fields = arrow_fields(&table.columns)?;
        let part_fields = arrow_fields(&table.partition_columns)?;
        let input = plan.schema().clone();
        let column_of = |i: usize| Expr::Column(DfColumn::from(input.qualified_field(i)));
        // Which input column feeds each data column (None: NULL).
        let sources: Vec<Option<usize>> = if columns.is_empty() {
            (0..data_fields.len()).map(Some).collect()
        } else {
            for c in columns {
                if !table.columns.iter().any(|t| &t.name == c) {
                    return Err(Error::plan(format!(
                        "'{c}' in insert schema specification is not found among regular columns of {}",
                        table.qualified_name()
                    )));
                }
            }
            table.columns.iter().map(|t| columns.iter().position(|c| c == &t.name)).collect()
        };
        let given = if columns.is_empty() { data_fields.len() } else { columns.len() };
        if input.fields().len() != given + dynamic.len() {
            return Err(Error::plan(format!(
                "Cannot insert into target table because column number/types are different '{}': Table insclause-0 has {} columns, but query has {} columns.",
                table.name,
                given + dynamic.len(),
                input.fields().len()
            )));
        }
        let mut exprs = Vec::new();
        for ((f, src), col) in data_fields.iter().zip(&sources).zip(&table.columns) {
            let mut e = match src {
                Some(i) => Expr::TryCast(TryCast::new(Box::new(column_of(*i)), f.data_type().clone())),
                None => Expr::TryCast(TryCast::new(
                    Box::new(lit(datafusion::common::ScalarValue::Null)),
                    f.data_type().clone(),
                )),
            };
            // VARCHAR(n) keeps at most n characters, as in Hive.
            if let Some(n) = varchar_length(&col.hive_type) {
                e = datafusion::functions::expr_fn::left(e, lit(n));
            }
            exprs.push(e.alias(f.name()));
        }
        for (k, d) in dynamic.iter().enumerate() {
            let f = &part_fields[*d];
            let typed = Expr::TryCast(TryCast::new(Box::new(column_of(given + k)), f.data_type().clone()));
            exprs.push(Expr::TryCast(TryCast::new(Box::new(typed), DataType::Utf8)).alias(f.name()));
        }
        let plan = LogicalPlanBuilder::from(plan).project(exprs)?.build()?;
        Ok(InsertPlan { plan, table, static_values })
    }

    /// Runs an insert plan and commits its files.
    async fn write(&mut self, insert: InsertPlan, overwrite: bool) -> Result<()> {
        let InsertPlan { plan, table, static_values } = insert;
        if let Some(handler) = self.shared.storage_handler(&table)? {
            // As in Hive, INSERT OVERWRITE through a storage handler writes rows and deletes none.
            let output = self.execute_plan(plan).await?;
            handler.write(self.shared.handler_context(self.caller), &table, output.stream).await?;
            return Ok(());
        }
        if table.kind == TableKind::External && self.caller == Caller::Remote {
            let loc = Location::parse(&table.location)?;
            if loc.is_local() {
                let path = loc.url().to_file_path().map_err(|_| Error::plan("invalid table location"))?;
                self.check_local_access(&path, "writing an external table")?;
            }
        }
        let txn = uuid::Uuid::new_v4().simple().to_string();
        let data_schema = file_schema(&table)?;
        let text = text_options(&table);
        let max_dynamic: usize =
            self.conf.get("hive.exec.max.dynamic.partitions").and_then(|v| v.parse().ok()).unwrap_or(1000);
        let output = self.execute_plan(plan).await?;
        let mut writers: HashMap<Vec<String>, UnitWriter> = HashMap::new();
        let n_data = table.columns.len();
        let result: Result<()> = async {
            let mut stream = output.stream;
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                if batch.num_rows() == 0 {
                    continue;
                }
                let data = RecordBatch::try_new(data_schema.clone(), batch.columns()[..n_data].to_vec())?;
                for (values, rows) in split_by_partition(&batch, n_data, &static_values)? {
                    let open = writers.len();
                    let writer = match writers.entry(values) {
                        Entry::Occupied(unit) => unit.into_mut(),
                        Entry::Vacant(unit) => {
                            if open >= max_dynamic {
                                return Err(Error::execution(format!(
                                    "Number of dynamic partitions created is more than {max_dynamic} (hive.exec.max.dynamic.partitions)"
                                )));
                            }
                            let mut w = self.unit_writer(&table, unit.key(), overwrite, &txn)?;
                            let store = self.shared.runtime.object_store(w.base.store_url())?;
                            w.writer = Some(FileWriter::create(store, w.destination.file().clone(), table.format, data_schema.clone(), &text)?);
                            unit.insert(w)
                        }
                    };
                    let part = match &rows {
                        None => data.clone(),
                        Some(idx) => take_rows(&data, idx)?,
                    };
                    let writer = writer.writer.as_mut().ok_or_else(|| Error::internal("a partition's writer was closed early"))?;
                    writer.write(&part).await?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            for (_, w) in writers {
                w.abort(self).await;
            }
            return Err(e);
        }
        // A full static spec or an unpartitioned table is overwritten even when no rows arrive.
        let full_static: Option<Vec<String>> = static_values.iter().cloned().collect();
        if overwrite
            && !writers.contains_key(&full_static.clone().unwrap_or_default())
            && let Some(values) = full_static
        {
            writers.insert(values.clone(), self.unit_writer(&table, &values, overwrite, &txn)?);
        }
        let mut changes = Vec::new();
        for (values, mut w) in writers {
            if let Some(fw) = w.writer.take() {
                fw.finish().await?;
            }
            let generation = match w.destination {
                Destination::Generation { name, .. } => Some(name),
                Destination::Staged { dir, file, dest } => {
                    // Move the staged file into the unit.
                    let store = self.shared.runtime.object_store(w.base.store_url())?;
                    store.rename(&file, &dest).await?;
                    let _ = remove_dir(store.as_ref(), &dir).await;
                    None
                }
            };
            changes.push(UnitChange { values: table.is_partitioned().then_some(values), base: w.base, generation });
        }
        self.commit_units(&table, changes).await
    }

    fn unit_base(&self, table: &Table, values: &[String]) -> Result<(Location, Location)> {
        // (base, current data location)
        if !table.is_partitioned() {
            return Ok((Location::parse(&table.location)?, Location::parse(&table.current_data_location())?));
        }
        match table.partition(values) {
            Some(p) => Ok((Location::parse(&p.location)?, Location::parse(&p.current_data_location())?)),
            None => {
                let base = Location::parse(&table.location)?.child(&partition_name(table, values))?;
                Ok((base.clone(), base))
            }
        }
    }

    /// Where a write puts a unit's new file; the file itself is opened when rows arrive.
    fn unit_writer(&self, table: &Table, values: &[String], overwrite: bool, txn: &str) -> Result<UnitWriter> {
        let (base, current) = self.unit_base(table, values)?;
        let file = format!("part-00000-{txn}.{}", table.format.extension());
        let destination = if overwrite {
            let name = new_generation();
            Destination::Generation { file: base.child(&name)?.child(&file)?.path(), name }
        } else {
            let dir = current.child(&format!(".staging-{txn}"))?;
            Destination::Staged { file: dir.child(&file)?.path(), dest: current.child(&file)?.path(), dir }
        };
        Ok(UnitWriter { base, destination, writer: None })
    }

    /// Switches the metastore to the written units in one atomic update,
    /// then removes generations no reader can still be using.
    async fn commit_units(&self, table: &Table, changes: Vec<UnitChange>) -> Result<()> {
        let db = table.database.clone();
        let name = table.name.clone();
        let retain = self.conf.get("enma.overwrite.retain.seconds").and_then(|v| v.parse::<u64>().ok()).unwrap_or(600);
        let previous: Vec<(Location, Option<String>, Option<String>)> = self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name)?;
            let mut previous = Vec::new();
            for ch in &changes {
                match &ch.values {
                    None => {
                        if ch.generation.is_some() {
                            previous.push((ch.base.clone(), t.data_dir.clone(), ch.generation.clone()));
                            t.data_dir = ch.generation.clone();
                        }
                    }
                    Some(values) => match t.partitions.iter_mut().find(|p| &p.values == values) {
                        Some(p) => {
                            if ch.generation.is_some() {
                                previous.push((ch.base.clone(), p.data_dir.clone(), ch.generation.clone()));
                                p.data_dir = ch.generation.clone();
                            }
                        }
                        None => t.partitions.push(Partition {
                            values: values.clone(),
                            location: ch.base.as_string(),
                            data_dir: ch.generation.clone(),
                        }),
                    },
                }
            }
            Ok(previous)
        })?;
        for (base, _old, current) in previous {
            let store = self.shared.runtime.object_store(base.store_url())?;
            remove_stale_generations(store.as_ref(), &base, current.as_deref(), retain).await?;
        }
        // Leftovers of killed writes to the same units go with this one's commit.
        let table = self.shared.metastore.table(&db, &name)?;
        for ch in &changes {
            let current = match &ch.values {
                None => table.data_dir.clone(),
                Some(values) => table.partition(values).and_then(|p| p.data_dir.clone()),
            };
            let store = self.shared.runtime.object_store(ch.base.store_url())?;
            remove_abandoned(store.as_ref(), &ch.base, current.as_deref()).await?;
        }
        Ok(())
    }

    /// Used by TRUNCATE: every listed unit switches to a new (empty) generation.
    pub(crate) async fn commit_generations(
        &self,
        table: &Table,
        units: &[(Option<Vec<String>>, String)],
    ) -> Result<()> {
        let mut changes = Vec::new();
        for (values, generation) in units {
            let (base, _) = self.unit_base(table, values.as_deref().unwrap_or(&[]))?;
            changes.push(UnitChange { values: values.clone(), base, generation: Some(generation.clone()) });
        }
        self.commit_units(table, changes).await
    }

    /// LOAD DATA: moves (or, from the local disk, copies) files into a unit.
    pub(crate) async fn load(
        &mut self,
        local: bool,
        path: String,
        overwrite: bool,
        name: TableName,
        partition: Option<PartitionSpec>,
    ) -> Result<QueryOutput> {
        let table = self.shared.metastore.table(self.db_of(&name), &name.name)?;
        if table.storage_handler.is_some() {
            return Err(Error::plan(format!(
                "A non-native table cannot be used as target for LOAD: {}",
                table.qualified_name()
            )));
        }
        let values = match (&partition, table.is_partitioned()) {
            (Some(spec), true) => full_partition_values(&table, spec)?,
            (None, false) => vec![],
            (None, true) => {
                return Err(Error::plan(format!(
                    "Need to specify partition columns because the destination table {} is partitioned",
                    table.qualified_name()
                )));
            }
            (Some(_), false) => {
                return Err(Error::plan(format!(
                    "table {} is not partitioned but a partition spec was given",
                    table.qualified_name()
                )));
            }
        };
        let source = if local || path.starts_with('/') {
            let p = std::path::PathBuf::from(path.strip_prefix("file://").unwrap_or(&path));
            let p = self.check_local_access(&p, "LOAD DATA LOCAL")?;
            Location::parse(
                &std::fs::canonicalize(&p)
                    .map_err(|e| Error::not_found(format!("Invalid path '{path}': {e}")))?
                    .to_string_lossy(),
            )?
        } else {
            self.user_location(&path)?
        };
        let src_store = self.shared.runtime.object_store(source.store_url())?;
        // The source is a file or a directory of files.
        let files: Vec<Path> = match src_store.head(&source.path()).await {
            Ok(meta) => vec![meta.location],
            Err(_) => {
                let listing = list_dir(src_store.as_ref(), &source.path()).await?;
                if listing.files.is_empty() && listing.dirs.is_empty() {
                    return Err(Error::not_found(format!("Invalid path '{path}': No files matching path")));
                }
                listing.files.into_iter().map(|m| m.location).collect()
            }
        };
        let (base, current) = self.unit_base(&table, &values)?;
        let dest_store = self.shared.runtime.object_store(base.store_url())?;
        let generation = overwrite.then(new_generation);
        let target = match &generation {
            Some(g) => base.child(g)?,
            None => current,
        };
        let same_store = source.store_url() == base.store_url() && !local;
        for f in files {
            let fname = f.filename().unwrap_or("data").to_string();
            let mut dest = target.child(&fname)?.path();
            if generation.is_none() && dest_store.head(&dest).await.is_ok() {
                // Hive renames a clashing file to name_copy_N.
                let mut n = 1;
                loop {
                    let candidate = target.child(&format!("{fname}_copy_{n}"))?.path();
                    if dest_store.head(&candidate).await.is_err() {
                        dest = candidate;
                        break;
                    }
                    n += 1;
                }
            }
            if same_store {
                dest_store.rename(&f, &dest).await?;
            } else {
                let bytes = src_store.get(&f).await?.bytes().await?;
                dest_store.put(&dest, bytes.into()).await?;
            }
        }
        let change = UnitChange { values: table.is_partitioned().then_some(values), base, generation };
        self.commit_units(&table, vec![change]).await?;
        Ok(empty_output())
    }
}

/// `INSERT ... VALUES`: Hive converts each value to its column's type, where
/// DataFusion would first unify each VALUES column across rows (and fail on
/// `('12'), (-7)`). Complex types are left to the projection's cast.
fn cast_values_to_columns(
    query: &mut ast::Query,
    table: &Table,
    partition: Option<&PartitionSpec>,
    columns: &[String],
) {
    let ast::SetExpr::Values(values) = query.body.as_mut() else { return };
    let mut targets: Vec<&enma_metastore::Column> = if columns.is_empty() {
        table.columns.iter().collect()
    } else {
        columns.iter().filter_map(|c| table.columns.iter().find(|t| &t.name == c)).collect()
    };
    for c in &table.partition_columns {
        let dynamic = partition.is_none_or(|spec| spec.iter().any(|(k, v)| k == &c.name && v.is_none()));
        if dynamic {
            targets.push(c);
        }
    }
    let dialect = enma_hive::dialect::HiveQl::default();
    let types: Vec<Option<ast::DataType>> = targets
        .iter()
        .map(|c| {
            if c.hive_type.contains('<') {
                return None;
            }
            let text = if c.hive_type.starts_with("varchar") || c.hive_type.starts_with("char") {
                "string"
            } else {
                c.hive_type.as_str()
            };
            datafusion::sql::sqlparser::parser::Parser::new(&dialect)
                .try_with_sql(text)
                .and_then(|mut p| p.parse_data_type())
                .ok()
        })
        .collect();
    for row in &mut values.rows {
        if row.len() != types.len() {
            return;
        }
        for (e, t) in row.iter_mut().zip(&types) {
            if let Some(t) = t {
                *e = ast::Expr::Cast {
                    kind: ast::CastKind::TryCast,
                    expr: Box::new(e.clone()),
                    data_type: t.clone(),
                    array: false,
                    format: None,
                };
            }
        }
    }
}

/// Where a unit's new file goes.
enum Destination {
    /// Overwrite: a new generation directory under the unit's base.
    Generation { name: String, file: Path },
    /// Append: a file in a hidden staging directory, moved to `dest` once the query has finished.
    Staged { dir: Location, file: Path, dest: Path },
}

impl Destination {
    fn file(&self) -> &Path {
        match self {
            Destination::Generation { file, .. } | Destination::Staged { file, .. } => file,
        }
    }
}

/// One unit's write while it runs.
struct UnitWriter {
    base: Location,
    destination: Destination,
    /// Opened with the first rows for the unit.
    writer: Option<FileWriter>,
}

impl UnitWriter {
    async fn abort(self, session: &Session) {
        if let Some(w) = self.writer {
            w.abort().await;
        }
        if let Ok(store) = session.shared.runtime.object_store(self.base.store_url()) {
            let dir = match &self.destination {
                Destination::Generation { name, .. } => match self.base.child(name) {
                    Ok(dir) => dir,
                    Err(_) => return,
                },
                Destination::Staged { dir, .. } => dir.clone(),
            };
            let _ = remove_dir(store.as_ref(), &dir).await;
        }
    }
}

/// Groups a batch's rows by their partition values. With no dynamic columns
/// every row goes to the static unit (`None`: all rows).
fn split_by_partition(
    batch: &RecordBatch,
    n_data: usize,
    static_values: &[Option<String>],
) -> Result<Vec<(Vec<String>, Option<UInt32Array>)>> {
    let dynamic_count = static_values.iter().filter(|v| v.is_none()).count();
    if dynamic_count == 0 {
        let values = static_values.iter().map(|v| v.clone().unwrap_or_default()).collect();
        return Ok(vec![(values, None)]);
    }
    let cols: Vec<ArrayRef> =
        batch.columns()[n_data..].iter().map(|c| cast(c, &DataType::Utf8)).collect::<Result<_, _>>()?;
    let cols: Vec<&StringArray> = cols
        .iter()
        .map(|c| {
            c.as_any().downcast_ref::<StringArray>().ok_or_else(|| Error::internal("a cast to Utf8 made no strings"))
        })
        .collect::<Result<_>>()?;
    // The groups in the order their first rows come, and where each key's group is.
    let mut groups: Vec<(Vec<String>, Vec<u32>)> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    for row in 0..batch.num_rows() {
        let mut key = Vec::with_capacity(static_values.len());
        let mut d = 0;
        for v in static_values {
            match v {
                Some(s) => key.push(s.clone()),
                None => {
                    let c = cols[d];
                    d += 1;
                    key.push(if c.is_null(row) || c.value(row).is_empty() {
                        DEFAULT_PARTITION.to_string()
                    } else {
                        c.value(row).to_string()
                    });
                }
            }
        }
        let group = *index.entry(key).or_insert_with_key(|key| {
            groups.push((key.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[group].1.push(row as u32);
    }
    Ok(groups.into_iter().map(|(key, rows)| (key, Some(UInt32Array::from(rows)))).collect())
}

fn take_rows(batch: &RecordBatch, idx: &UInt32Array) -> Result<RecordBatch> {
    let cols = batch.columns().iter().map(|c| take(c, idx, None)).collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(batch.schema(), cols)?)
}

/// When a generation directory was created (nanoseconds since the epoch), from its name.
fn generation_time(name: &str) -> Option<i64> {
    name.strip_prefix(".gen-")?.split('-').next()?.parse().ok()
}

/// How long a write's hidden directory (`.staging-*` of INSERT INTO, `.gen-*`
/// of an overwrite) may go without a new file before a later write takes it
/// for the leftover of a killed one.
const ABANDONED_AFTER_SECONDS: i64 = 3600;

/// Removes what killed writes left in a unit: `.staging-*` directories in its
/// base or current generation, and `.gen-*` generations newer than the
/// current one (never committed, so no reader uses them), once nothing was
/// written into them for [`ABANDONED_AFTER_SECONDS`].
async fn remove_abandoned(store: &dyn ObjectStore, base: &Location, current: Option<&str>) -> Result<()> {
    let current_time = current.and_then(generation_time).unwrap_or(i64::MIN);
    let mut dirs = vec![base.clone()];
    if let Some(g) = current {
        dirs.push(base.child(g)?);
    }
    let horizon = chrono::Utc::now() - chrono::Duration::seconds(ABANDONED_AFTER_SECONDS);
    for dir in dirs {
        let listing = match store.list_with_delimiter(Some(&dir.path())).await {
            Ok(l) => l,
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        for prefix in listing.common_prefixes {
            let Some(name) = prefix.filename() else { continue };
            let unfinished = name.starts_with(".staging-")
                || (Some(name) != current && generation_time(name).is_some_and(|t| t > current_time));
            if !unfinished {
                continue;
            }
            let leftover = dir.child(name)?;
            let newest = match leftover.url().to_file_path() {
                // Local files being written are not listed yet: look at the directory itself.
                Ok(path) if leftover.is_local() => newest_local_change(&path),
                _ => {
                    let times =
                        store.list(Some(&prefix)).filter_map(|m| async move { m.ok().map(|m| m.last_modified) });
                    times
                        .fold(None, |acc: Option<chrono::DateTime<chrono::Utc>>, t| async move {
                            Some(acc.map_or(t, |a| a.max(t)))
                        })
                        .await
                }
            };
            if newest.is_none_or(|t| t < horizon) {
                tracing::info!(dir = %leftover, "removing the leftover of a write that did not finish");
                remove_dir(store, &leftover).await?;
            }
        }
    }
    Ok(())
}

/// The latest modification time of a local directory or anything in it.
fn newest_local_change(dir: &std::path::Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let mut newest = std::fs::metadata(dir).and_then(|m| m.modified()).ok()?;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if let Ok(t) = meta.modified() {
                newest = newest.max(t);
            }
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Some(newest.into())
}

/// Deletes the generations of a unit that no reader can still need: every
/// generation but `current` whose successor was created more than `retain`
/// seconds ago. The files directly in the base directory count as the
/// oldest generation.
async fn remove_stale_generations(
    store: &dyn ObjectStore,
    base: &Location,
    current: Option<&str>,
    retain: u64,
) -> Result<()> {
    let listing = match store.list_with_delimiter(Some(&base.path())).await {
        Ok(l) => l,
        Err(object_store::Error::NotFound { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut gens: Vec<(i64, Location, String)> = listing
        .common_prefixes
        .into_iter()
        .filter_map(|p| {
            let name = p.filename()?.to_string();
            Some((generation_time(&name)?, base.child(&name).ok()?, name))
        })
        .collect();
    gens.sort_by_key(|a| a.0);
    let horizon = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() - (retain as i64) * 1_000_000_000;
    // The base files are replaced by the first generation.
    if current.is_some() && gens.first().is_some_and(|g| g.0 <= horizon) {
        for f in &listing.objects {
            if f.location.filename().is_some_and(|n| !is_hidden(n)) {
                let _ = store.delete(&f.location).await;
            }
        }
    }
    for pair in gens.windows(2) {
        let (old, next) = (&pair[0], &pair[1]);
        if Some(old.2.as_str()) != current && next.0 <= horizon {
            remove_dir(store, &old.1).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::local::LocalFileSystem;

    #[tokio::test]
    async fn stale_generations_are_removed_after_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileSystem::new();
        let loc = Location::parse(&dir.path().to_string_lossy()).unwrap();
        let base = loc.path();
        let mut names = Vec::new();
        for _ in 0..3 {
            let g = new_generation();
            store
                .put(&base.clone().join(g.as_str()).join("f.parquet"), bytes::Bytes::from_static(b"x").into())
                .await
                .unwrap();
            names.push(g);
        }
        store.put(&base.clone().join("base.txt"), bytes::Bytes::from_static(b"x").into()).await.unwrap();
        remove_stale_generations(&store, &loc, Some(&names[2]), 3600).await.unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4, "within retention nothing goes");
        remove_stale_generations(&store, &loc, Some(&names[2]), 0).await.unwrap();
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec![names[2].clone()]);
    }
}
