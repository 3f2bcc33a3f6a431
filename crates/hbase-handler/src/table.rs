//! Tables stored by the HBase storage handler, as DataFusion sees them: a
//! `TableProvider` whose scan reads the key-value store and pushes row-key
//! conditions (`=`, `IN`, ranges, `BETWEEN`, `LIKE 'prefix%'`) down as key
//! ranges, shown by EXPLAIN; and the writer behind INSERT.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use async_trait::async_trait;
use bytes::Bytes;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Like, Operator, TableProviderFilterPushDown};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream,
};
use enma_kv::{Column as KvColumn, Family, Scan, Store, TableSchema, prefix_end};

use super::kv_error;
use super::mapping::{Mapping, Target};
use crate::error::{Error, Result};
use enma_engine::table::arrow_fields;
use enma_metastore::{Table, TableKind};

/// Rows per batch a scan produces.
const BATCH_ROWS: usize = 8192;

/// The key-value table a Hive table is bound to (`hbase.table.name`, default the Hive name).
pub fn kv_table_name(table: &Table) -> Result<enma_kv::TableName> {
    let name = match table.properties.get("hbase.table.name") {
        Some(n) => n.clone(),
        None if table.database == "default" => table.name.clone(),
        None => format!("{}.{}", table.database, table.name),
    };
    enma_kv::TableName::parse(&name).map_err(|e| Error::plan(format!("hbase.table.name: {e}")))
}

/// A table's column mapping, from its SerDe and table properties.
pub fn table_mapping(table: &Table) -> Result<Mapping> {
    let spec = table.serde_properties.get("hbase.columns.mapping").ok_or_else(|| {
        Error::plan("an HBase table needs SERDEPROPERTIES (\"hbase.columns.mapping\" = \":key,cf:col,...\")")
    })?;
    let default_binary = table
        .properties
        .get("hbase.table.default.storage.type")
        .or_else(|| table.serde_properties.get("hbase.table.default.storage.type"))
        .is_some_and(|s| s.eq_ignore_ascii_case("binary"));
    let fields = arrow_fields(&table.columns)?;
    let types: Vec<_> = fields.iter().map(|f| f.data_type().clone()).collect();
    Mapping::parse(spec, &table.columns, &types, default_binary)
}

/// Why a query on an HBase table cannot run on a cluster: the message both
/// the session (before sending) and the plan codec (as a last guard) give.
pub(crate) fn refused_on_cluster(table: &str) -> String {
    format!(
        "{table} is an HBase table: its cells live in the key-value store of the process that serves it, \
         which the cluster's executors cannot read; query it from an engine without --scheduler"
    )
}

/// A Hive table over the key-value store.
#[derive(Debug)]
pub struct HBaseTable {
    store: Store,
    name: enma_kv::TableName,
    mapping: Arc<Mapping>,
    schema: SchemaRef,
}

impl HBaseTable {
    pub fn new(table: &Table, store: Store) -> Result<Self> {
        Ok(HBaseTable {
            store,
            name: kv_table_name(table)?,
            mapping: Arc::new(table_mapping(table)?),
            schema: Arc::new(Schema::new(arrow_fields(&table.columns)?)),
        })
    }

    fn key_name(&self) -> &str {
        self.schema.field(self.mapping.key).name()
    }
}

#[async_trait]
impl TableProvider for HBaseTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let ordered = self.mapping.key_is_ordered_text();
        Ok(filters
            .iter()
            .map(|f| match ordered && key_ranges(f, self.key_name()).is_some() {
                // The ranges only narrow the scan; the filter still runs above it.
                true => TableProviderFilterPushDown::Inexact,
                false => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mut ranges = vec![KeyRange::all()];
        if self.mapping.key_is_ordered_text() {
            for f in filters {
                if let Some(r) = key_ranges(f, self.key_name()) {
                    ranges = intersect(&ranges, &r);
                }
            }
        }
        let projection: Vec<usize> = projection.cloned().unwrap_or_else(|| (0..self.schema.fields().len()).collect());
        let schema = Arc::new(self.schema.project(&projection)?);
        // Only the families and columns the projection needs are read.
        let mut columns = Vec::new();
        for &c in &projection {
            match &self.mapping.columns[c].target {
                Target::Column { family, qualifier } => columns.push(KvColumn::new(family.clone(), qualifier.clone())),
                Target::Family { family } => columns.push(KvColumn::family(family.clone())),
                Target::Key | Target::Timestamp => {}
            }
        }
        if columns.is_empty() {
            // A row exists if it has any mapped cell; read those to find the rows.
            columns = self.mapping.families().into_iter().map(|f| KvColumn::family(Bytes::from(f))).collect();
        }
        Ok(Arc::new(HBaseScanExec::new(
            self.store.clone(),
            self.name.clone(),
            self.mapping.clone(),
            projection,
            schema,
            ranges,
            columns,
            limit,
        )))
    }
}

/// Row keys `start <= key < end`; `end` `None` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub start: Vec<u8>,
    pub end: Option<Vec<u8>>,
}

impl KeyRange {
    fn all() -> Self {
        KeyRange { start: vec![], end: None }
    }

    fn point(key: &[u8]) -> Self {
        KeyRange { start: key.to_vec(), end: Some(successor(key)) }
    }

    fn is_empty(&self) -> bool {
        self.end.as_ref().is_some_and(|e| *e <= self.start)
    }
}

impl fmt::Display for KeyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match &self.end {
            Some(e) if *e == successor(&self.start) => write!(f, "='{}'", text(&self.start)),
            Some(e) => write!(f, "['{}', '{}')", text(&self.start), text(e)),
            None => write!(f, "['{}', ∞)", text(&self.start)),
        }
    }
}

/// The smallest key after `key`.
fn successor(key: &[u8]) -> Vec<u8> {
    let mut s = key.to_vec();
    s.push(0);
    s
}

fn intersect(a: &[KeyRange], b: &[KeyRange]) -> Vec<KeyRange> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let start = x.start.clone().max(y.start.clone());
            let end = match (&x.end, &y.end) {
                (Some(p), Some(q)) => Some(p.clone().min(q.clone())),
                (Some(p), None) | (None, Some(p)) => Some(p.clone()),
                (None, None) => None,
            };
            let r = KeyRange { start, end };
            if !r.is_empty() {
                out.push(r);
            }
        }
    }
    normalize(out)
}

/// Sorted, with overlapping ranges merged, so no row is read twice.
fn normalize(mut ranges: Vec<KeyRange>) -> Vec<KeyRange> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by(|a, b| a.start.cmp(&b.start));
    let mut out: Vec<KeyRange> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if last.end.as_ref().is_none_or(|e| *e >= r.start) => {
                last.end = match (&last.end, &r.end) {
                    (Some(p), Some(q)) => Some(p.clone().max(q.clone())),
                    _ => None,
                };
            }
            _ => out.push(r),
        }
    }
    out
}

/// The key ranges a filter allows, when it is a condition on the key column alone.
fn key_ranges(expr: &Expr, key: &str) -> Option<Vec<KeyRange>> {
    let is_key = |e: &Expr| matches!(e, Expr::Column(c) if c.name == key);
    let text = |e: &Expr| match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)),
            _,
        ) => Some(s.as_bytes().to_vec()),
        _ => None,
    };
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            if *op == Operator::And {
                return match (key_ranges(left, key), key_ranges(right, key)) {
                    (Some(a), Some(b)) => Some(intersect(&a, &b)),
                    (Some(a), None) | (None, Some(a)) => Some(a),
                    (None, None) => None,
                };
            }
            if *op == Operator::Or {
                let mut a = key_ranges(left, key)?;
                a.extend(key_ranges(right, key)?);
                return Some(normalize(a));
            }
            let (op, v) = if is_key(left) {
                (*op, text(right)?)
            } else if is_key(right) {
                (op.swap()?, text(left)?)
            } else {
                return None;
            };
            let range = match op {
                Operator::Eq => KeyRange::point(&v),
                Operator::Lt => KeyRange { start: vec![], end: Some(v) },
                Operator::LtEq => KeyRange { start: vec![], end: Some(successor(&v)) },
                Operator::Gt => KeyRange { start: successor(&v), end: None },
                Operator::GtEq => KeyRange { start: v, end: None },
                _ => return None,
            };
            Some(normalize(vec![range]))
        }
        Expr::InList(list) if !list.negated && is_key(&list.expr) => {
            let points = list.list.iter().map(|e| text(e).map(|v| KeyRange::point(&v))).collect::<Option<Vec<_>>>()?;
            Some(normalize(points))
        }
        Expr::Between(Between { expr, negated: false, low, high }) if is_key(expr) => {
            Some(normalize(vec![KeyRange { start: text(low)?, end: Some(successor(&text(high)?)) }]))
        }
        Expr::Like(Like { negated: false, expr, pattern, escape_char: None, case_insensitive: false })
            if is_key(expr) =>
        {
            let p = text(pattern)?;
            let prefix = p.strip_suffix(b"%")?;
            if prefix.iter().any(|&b| b == b'%' || b == b'_' || b == b'\\') {
                return None;
            }
            Some(vec![KeyRange { start: prefix.to_vec(), end: prefix_end(prefix) }])
        }
        _ => None,
    }
}

/// Reads key ranges of one key-value table into Arrow batches.
#[derive(Debug)]
pub struct HBaseScanExec {
    store: Store,
    name: enma_kv::TableName,
    mapping: Arc<Mapping>,
    projection: Vec<usize>,
    ranges: Vec<KeyRange>,
    columns: Vec<KvColumn>,
    limit: Option<usize>,
    properties: Arc<PlanProperties>,
}

impl HBaseScanExec {
    #[allow(clippy::too_many_arguments)]
    fn new(
        store: Store,
        name: enma_kv::TableName,
        mapping: Arc<Mapping>,
        projection: Vec<usize>,
        schema: SchemaRef,
        ranges: Vec<KeyRange>,
        columns: Vec<KvColumn>,
        limit: Option<usize>,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        HBaseScanExec { store, name, mapping, projection, ranges, columns, limit, properties }
    }

    /// The key ranges the scan reads (all rows: one unbounded range).
    pub fn ranges(&self) -> &[KeyRange] {
        &self.ranges
    }
}

impl DisplayAs for HBaseScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges: Vec<String> = self.ranges.iter().map(|r| r.to_string()).collect();
        let names: Vec<&str> =
            self.properties.eq_properties.schema().fields().iter().map(|f| f.name().as_str()).collect();
        write!(
            f,
            "HBaseScanExec: table={}, row_keys=[{}], projection=[{}]",
            self.name,
            ranges.join(", "),
            names.join(", ")
        )?;
        if let Some(l) = self.limit {
            write!(f, ", limit={l}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for HBaseScanExec {
    fn name(&self) -> &str {
        "HBaseScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        // The key ranges are bytes, not expressions.
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal("HBaseScanExec has no children".into()))
        }
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!("HBaseScanExec has one partition, not {partition}")));
        }
        let schema = self.schema();
        let mut builder = RecordBatchReceiverStream::builder(schema.clone(), 2);
        let tx = builder.tx();
        let (store, name, mapping, projection) =
            (self.store.clone(), self.name.clone(), self.mapping.clone(), self.projection.clone());
        let (ranges, columns, mut remaining) =
            (self.ranges.clone(), self.columns.clone(), self.limit.unwrap_or(usize::MAX));
        builder.spawn_blocking(move || {
            let mut rows = Vec::with_capacity(BATCH_ROWS);
            for range in ranges {
                let scan = Scan {
                    start_row: Bytes::from(range.start),
                    stop_row: range.end.map(Bytes::from).unwrap_or_default(),
                    columns: columns.clone(),
                    limit: Some(remaining),
                    ..Scan::default()
                };
                let scanner =
                    store.scanner(&name, scan).map_err(|e| DataFusionError::External(Box::new(kv_error(e))))?;
                for row in scanner {
                    rows.push(row.map_err(|e| DataFusionError::External(Box::new(kv_error(e))))?);
                    remaining -= 1;
                    if rows.len() == BATCH_ROWS {
                        let batch = mapping.to_batch(&schema, &projection, &rows).map_err(DataFusionError::from)?;
                        rows.clear();
                        if tx.blocking_send(Ok(batch)).is_err() {
                            return Ok(()); // the query was cancelled
                        }
                    }
                    if remaining == 0 {
                        break;
                    }
                }
                if remaining == 0 {
                    break;
                }
            }
            if !rows.is_empty() {
                let batch = mapping.to_batch(&schema, &projection, &rows).map_err(DataFusionError::from)?;
                let _ = tx.blocking_send(Ok(batch));
            }
            Ok(())
        });
        Ok(builder.build())
    }
}

/// Checks a table's mapping, and binds it to its
/// key-value table: a managed table creates it with the mapped families, an
/// external one must find it with them.
pub fn bind_table(store: &Store, table: &Table) -> Result<()> {
    let mapping = table_mapping(table)?;
    let name = kv_table_name(table)?;
    match table.kind {
        TableKind::Managed => {
            if store.table_exists(&name) {
                return Err(Error::exists(format!(
                    "HBase table {name} already exists; bind it with CREATE EXTERNAL TABLE"
                )));
            }
            let families = mapping.families().into_iter().map(Family::new).collect();
            store.create_table(TableSchema { name, families }).map_err(kv_error)
        }
        TableKind::External => {
            let schema = store.schema(&name).map_err(|_| {
                Error::not_found(format!(
                    "HBase table {name} doesn't exist while the table is declared as an external table"
                ))
            })?;
            match mapping.families().into_iter().find(|f| schema.family(f.as_bytes()).is_none()) {
                Some(f) => Err(Error::plan(format!(
                    "column family '{f}' of hbase.columns.mapping does not exist in HBase table {name}"
                ))),
                None => Ok(()),
            }
        }
    }
}

/// Deletes the key-value table of a dropped managed table.
pub fn drop_bound_table(store: &Store, table: &Table) -> Result<()> {
    let name = kv_table_name(table)?;
    if !store.table_exists(&name) {
        return Ok(());
    }
    if store.is_enabled(&name).map_err(kv_error)? {
        store.disable_table(&name).map_err(kv_error)?;
    }
    store.delete_table(&name).map_err(kv_error)
}

/// Writes the rows of a stream of batches (the table's columns, in order) as cells.
pub async fn write_batches(store: &Store, table: &Table, mut stream: SendableRecordBatchStream) -> Result<u64> {
    use futures::StreamExt;
    let name = kv_table_name(table)?;
    let mapping = Arc::new(table_mapping(table)?);
    let mut written = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let mutations = mapping.to_mutations(&batch)?;
        written += mutations.len() as u64;
        let (store, name) = (store.clone(), name.clone());
        tokio::task::spawn_blocking(move || store.mutate_rows(&name, &mutations))
            .await
            .map_err(|e| Error::internal(format!("write task failed: {e}")))?
            .map_err(kv_error)?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{col, lit};

    fn shown(e: Expr) -> Vec<String> {
        key_ranges(&e, "k").unwrap().iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn key_conditions_become_ranges() {
        assert_eq!(shown(col("k").eq(lit("m1"))), ["='m1'"]);
        assert_eq!(shown(col("k").in_list(vec![lit("b"), lit("a"), lit("b")], false)), ["='a'", "='b'"]);
        assert_eq!(shown(col("k").gt_eq(lit("a")).and(col("k").lt(lit("c")))), ["['a', 'c')"]);
        assert_eq!(shown(lit("c").gt(col("k"))), ["['', 'c')"]);
        assert_eq!(shown(col("k").like(lit("m0%"))), ["['m0', 'm1')"]);
        assert_eq!(shown(col("k").between(lit("a"), lit("b"))), ["['a', 'b\0')"]);
        assert_eq!(shown(col("k").eq(lit("a")).or(col("k").eq(lit("z")))), ["='a'", "='z'"]);
        assert!(shown(col("k").eq(lit("a")).and(col("k").eq(lit("b")))).is_empty());
        assert!(key_ranges(&col("v").eq(lit("a")), "k").is_none());
        assert!(key_ranges(&col("k").like(lit("a%b%")), "k").is_none());
        assert!(key_ranges(&col("k").not_eq(lit("a")), "k").is_none());
    }
}
