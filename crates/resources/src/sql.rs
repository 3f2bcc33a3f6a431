//! Resources as HiveQL tables: `resources.<name>` reads a resource's
//! documents (its datasource filter and soft delete applied) and `INSERT
//! INTO` writes through the resource's POST, so the documents get Eve's
//! validation, meta fields and ETags. A reading POSTed is in the next query.
//!
//! The tables are a storage handler's (`STORED BY`), declared by
//! [`table_statements`] when `enma serve --resources` starts: `_id`, the
//! schema's fields with Hive types (`string`, `integer`, `float`/`number`,
//! `boolean`, `datetime`; other types as JSON text), `_created`, `_updated`.
//! Conditions on fields go to the store as a query (equalities and ranges,
//! `IN`, `AND`); the store's answer is a superset of the rows the condition
//! keeps, which the engine filters again. EXPLAIN shows them as the scan's
//! `partial_filters`.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampNanosecondBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use datafusion::catalog::Session as DfSession;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::scalar::ScalarValue;
use enma_common::error::{Error, ErrorKind, Result};
use enma_docstore::Find;
use enma_engine::extension::{HandlerContext, StorageHandler};
use enma_metastore::Table;
use futures::StreamExt;
use serde_json::{Map, Value};

use crate::api::Api;
use crate::settings::Resource;

/// The class resource tables are declared `STORED BY`.
pub const HANDLER_CLASS: &str = "org.enma.resources.ResourceStorageHandler";
const SERDE_CLASS: &str = "org.enma.resources.ResourceSerDe";
/// The TBLPROPERTIES key naming a table's resource.
pub const RESOURCE_PROPERTY: &str = "enma.resource";
/// The database the resource tables are declared in.
pub const DATABASE: &str = "resources";
/// Documents read from the store at a time.
const PAGE: u64 = 10_000;

/// The Hive type of an Eve schema field.
fn hive_type(definition: &Value) -> &'static str {
    match definition.get("type").and_then(Value::as_str) {
        Some("string" | "objectid") => "STRING",
        Some("integer") => "BIGINT",
        Some("float" | "number") => "DOUBLE",
        Some("boolean") => "BOOLEAN",
        Some("datetime") => "TIMESTAMP",
        _ => "STRING",
    }
}

/// The fields of `r` as the table's columns: `_id`, the schema's, the dates.
fn columns(r: &Resource) -> Vec<(String, &'static str)> {
    let mut out = vec![("_id".to_string(), "STRING")];
    if let Some(schema) = r.schema.as_object() {
        for (name, definition) in schema {
            if name != &r.id_field && !name.contains('`') && !name.starts_with('$') {
                out.push((name.clone(), hive_type(definition)));
            }
        }
    }
    out.push(("_created".into(), "TIMESTAMP"));
    out.push(("_updated".into(), "TIMESTAMP"));
    out
}

/// The HiveQL that declares every resource as `resources.<name>` (again
/// at each start, so the tables follow the settings).
pub fn table_statements(api: &Api) -> Vec<String> {
    let mut out = vec![format!("CREATE DATABASE IF NOT EXISTS {DATABASE}")];
    for r in api.settings.resources.iter().filter(|r| !r.internal && r.url_pattern.is_none()) {
        if r.name.contains('`') || r.name.contains('\'') {
            continue;
        }
        let cols: Vec<String> = columns(r).iter().map(|(n, t)| format!("`{n}` {t}")).collect();
        out.push(format!("DROP TABLE IF EXISTS {DATABASE}.`{}`", r.name));
        out.push(format!(
            "CREATE EXTERNAL TABLE {DATABASE}.`{}` ({}) STORED BY '{HANDLER_CLASS}' TBLPROPERTIES ('{RESOURCE_PROPERTY}'='{}')",
            r.name,
            cols.join(", "),
            r.name
        ));
    }
    out
}

/// The storage handler of resource tables, over the API that serves them.
#[derive(Debug)]
pub struct ResourceHandler {
    api: Arc<Api>,
}

impl ResourceHandler {
    pub fn new(api: Arc<Api>) -> Self {
        ResourceHandler { api }
    }

    fn resource(&self, table: &Table) -> Result<usize> {
        let name = table.properties.get(RESOURCE_PROPERTY).ok_or_else(|| {
            Error::plan(format!(
                "{}.{} names no resource (TBLPROPERTIES '{RESOURCE_PROPERTY}')",
                table.database, table.name
            ))
        })?;
        self.api.resource_index(name).ok_or_else(|| {
            Error::not_found(format!(
                "{}.{}: the resource settings have no resource {name:?}",
                table.database, table.name
            ))
        })
    }
}

fn refused_on_cluster(table: &str) -> String {
    format!(
        "{table} is a resource table: its documents live in the store of the process that serves the resources, \
         which the cluster's executors cannot read; query it from an engine without --scheduler"
    )
}

#[async_trait]
impl StorageHandler for ResourceHandler {
    fn class_name(&self) -> &str {
        HANDLER_CLASS
    }

    fn serde(&self) -> &str {
        SERDE_CLASS
    }

    fn bind(&self, _ctx: HandlerContext<'_>, table: &Table) -> Result<()> {
        self.resource(table).map(|_| ())
    }

    fn drop_table(&self, _ctx: HandlerContext<'_>, _table: &Table) -> Result<()> {
        // The documents are the resource's: dropping the table leaves them.
        Ok(())
    }

    fn table_provider(&self, _ctx: HandlerContext<'_>, table: &Table) -> Result<Arc<dyn TableProvider>> {
        let index = self.resource(table)?;
        let fields: Vec<Field> = table
            .columns
            .iter()
            .map(|c| {
                let t = enma_hive::types::parse_hive_type(&c.hive_type)?;
                Ok(Field::new(&c.name, t, true))
            })
            .collect::<Result<_>>()?;
        Ok(Arc::new(ResourceTable { api: self.api.clone(), index, schema: Arc::new(Schema::new(fields)) }))
    }

    async fn write(&self, _ctx: HandlerContext<'_>, table: &Table, mut rows: SendableRecordBatchStream) -> Result<u64> {
        let index = self.resource(table)?;
        let mut documents = Vec::new();
        while let Some(batch) = rows.next().await {
            let batch = batch.map_err(Error::from)?;
            documents.extend(rows_as_json(&batch)?);
            if documents.len() > 1_000_000 {
                return Err(Error::execution(
                    "an INSERT into a resource writes at most 1,000,000 rows at once (all or none); split it",
                ));
            }
        }
        if documents.is_empty() {
            return Ok(0);
        }
        let n = documents.len() as u64;
        self.api.insert_values(index, documents).await.map_err(|e| {
            let message = format!("INSERT INTO {}.{}: the resource refused the rows: {e}", table.database, table.name);
            Error::new(ErrorKind::InvalidData, message)
        })?;
        Ok(n)
    }

    fn refused_on_cluster(&self, provider: &dyn TableProvider, table: &str) -> Option<String> {
        provider.downcast_ref::<ResourceTable>().map(|_| refused_on_cluster(table))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Rows as the JSON documents a POST takes: the schema's fields, dates in
/// Eve's format; `_id` when given, the meta dates never (the POST sets them).
fn rows_as_json(batch: &RecordBatch) -> Result<Vec<Value>> {
    let schema = batch.schema();
    let mut out = vec![Map::new(); batch.num_rows()];
    for (c, field) in schema.fields().iter().enumerate() {
        if matches!(field.name().as_str(), "_created" | "_updated") {
            continue;
        }
        let column = batch.column(c);
        for (row, doc) in out.iter_mut().enumerate() {
            if column.is_null(row) {
                continue;
            }
            let value = ScalarValue::try_from_array(column, row).map_err(Error::from)?;
            let json = match value {
                ScalarValue::TimestampNanosecond(Some(ns), _) => Value::String(eve_date(ns / 1_000_000)),
                ScalarValue::TimestampMicrosecond(Some(us), _) => Value::String(eve_date(us / 1000)),
                ScalarValue::TimestampMillisecond(Some(ms), _) => Value::String(eve_date(ms)),
                ScalarValue::Boolean(Some(b)) => Value::Bool(b),
                ScalarValue::Float64(Some(f)) => {
                    serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
                }
                ScalarValue::Float32(Some(f)) => {
                    serde_json::Number::from_f64(f64::from(f)).map(Value::Number).unwrap_or(Value::Null)
                }
                v if v.data_type().is_integer() => v
                    .cast_to(&DataType::Int64)
                    .ok()
                    .and_then(|v| match v {
                        ScalarValue::Int64(Some(i)) => Some(Value::from(i)),
                        _ => None,
                    })
                    .unwrap_or(Value::Null),
                v => Value::String(v.to_string()),
            };
            doc.insert(field.name().clone(), json);
        }
    }
    Ok(out.into_iter().map(Value::Object).collect())
}

fn eve_date(millis: i64) -> String {
    crate::render::format_date(millis, "%a, %d %b %Y %H:%M:%S GMT")
}

/// A resource read as a table.
#[derive(Debug)]
pub struct ResourceTable {
    api: Arc<Api>,
    index: usize,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for ResourceTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| match self.store_filter(f) {
                // The store's answer is a superset; the engine filters again.
                Some(_) => TableProviderFilterPushDown::Inexact,
                None => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn DfSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let projection: Vec<usize> = projection.cloned().unwrap_or_else(|| (0..self.schema.fields().len()).collect());
        let schema = Arc::new(self.schema.project(&projection)?);
        let mut conditions: Vec<Bson> =
            filters.iter().filter_map(|f| self.store_filter(f)).map(Bson::Document).collect();
        if let Some(base) = self.api.sql_base_filter(self.index) {
            conditions.push(Bson::Document(base));
        }
        let filter = match conditions.len() {
            0 => Document::new(),
            1 => match conditions.pop() {
                Some(Bson::Document(d)) => d,
                _ => Document::new(),
            },
            _ => doc! {"$and": conditions},
        };
        let partition = Arc::new(Pages { api: self.api.clone(), index: self.index, schema: schema.clone(), filter });
        Ok(Arc::new(StreamingTableExec::try_new(schema, vec![partition], None, Vec::new(), false, limit)?))
    }
}

impl ResourceTable {
    fn field(&self, column: &str) -> Option<(String, DataType)> {
        let f = self.schema.field_with_name(column).ok()?;
        let r = &self.api.settings.resources[self.index];
        let name = if column == "_id" { r.id_field.clone() } else { column.to_string() };
        Some((name, f.data_type().clone()))
    }

    /// `expr` as a store query whose matches include every row it keeps; `None` when it has none.
    fn store_filter(&self, expr: &Expr) -> Option<Document> {
        match expr {
            Expr::BinaryExpr(BinaryExpr { left, op: Operator::And, right }) => {
                Some(doc! {"$and": [self.store_filter(left)?, self.store_filter(right)?]})
            }
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                let (column, value, op) = match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(c), Expr::Literal(v, _)) => (c, v, *op),
                    (Expr::Literal(v, _), Expr::Column(c)) => (c, v, op.swap()?),
                    _ => return None,
                };
                let (field, data_type) = self.field(&column.name)?;
                let values = bson_values(value, &data_type, column.name == "_id")?;
                let condition = match op {
                    Operator::Eq => Bson::Document(doc! {"$in": values}),
                    Operator::NotEq => return None,
                    _ if values.len() != 1 => return None,
                    Operator::Lt => Bson::Document(doc! {"$lt": values[0].clone()}),
                    Operator::LtEq => Bson::Document(doc! {"$lte": values[0].clone()}),
                    Operator::Gt => Bson::Document(doc! {"$gt": values[0].clone()}),
                    Operator::GtEq => Bson::Document(doc! {"$gte": values[0].clone()}),
                    _ => return None,
                };
                Some(doc! {field: condition})
            }
            Expr::InList(list) if !list.negated => {
                let Expr::Column(column) = list.expr.as_ref() else { return None };
                let (field, data_type) = self.field(&column.name)?;
                let mut values = Vec::new();
                for item in &list.list {
                    let Expr::Literal(v, _) = item else { return None };
                    values.extend(bson_values(v, &data_type, column.name == "_id")?);
                }
                Some(doc! {field: {"$in": values}})
            }
            _ => None,
        }
    }
}

/// A literal as the stored values it stands for (an id's text may be an ObjectId's).
fn bson_values(value: &ScalarValue, column: &DataType, is_id: bool) -> Option<Vec<Bson>> {
    let v = match value {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s))
            if matches!(column, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) =>
        {
            let mut out = vec![Bson::String(s.clone())];
            if is_id && let Ok(oid) = ObjectId::parse_str(s) {
                out.push(Bson::ObjectId(oid));
            }
            return Some(out);
        }
        ScalarValue::Boolean(Some(b)) if *column == DataType::Boolean => Bson::Boolean(*b),
        ScalarValue::TimestampNanosecond(Some(ns), _) if matches!(column, DataType::Timestamp(..)) => {
            Bson::DateTime(bson::DateTime::from_millis(ns.div_euclid(1_000_000)))
        }
        v if column.is_numeric() && v.data_type().is_numeric() => match v.cast_to(&DataType::Float64).ok()? {
            ScalarValue::Float64(Some(f)) if f.is_finite() => Bson::Double(f),
            _ => return None,
        },
        _ => return None,
    };
    Some(vec![v])
}

/// The documents of a scan, read a page at a time in `_id` order.
#[derive(Debug)]
struct Pages {
    api: Arc<Api>,
    index: usize,
    schema: SchemaRef,
    filter: Document,
}

impl PartitionStream for Pages {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (api, index, schema, filter) = (self.api.clone(), self.index, self.schema.clone(), self.filter.clone());
        let pages = futures::stream::unfold(Some(None::<Bson>), move |after| {
            let (api, schema, filter) = (api.clone(), schema.clone(), filter.clone());
            async move {
                let after = after?;
                let r = &api.settings.resources[index];
                let id = r.id_field.clone();
                let filter = match &after {
                    Some(last) => doc! {"$and": [filter, {id.clone(): {"$gt": last.clone()}}]},
                    None => filter,
                };
                let find = Find { sort: vec![(id.clone(), 1)], limit: Some(PAGE), ..Find::filter(filter) };
                let documents = match api.store().find(&r.source, &find).await {
                    Ok(d) => d,
                    Err(e) => return Some((Err(DataFusionError::External(Box::new(e))), None)),
                };
                let next = (documents.len() as u64 == PAGE).then(|| documents.last().and_then(|d| d.get(&id)).cloned());
                let next = next.flatten().map(Some);
                Some((to_batch(&schema, r, &documents), next))
            }
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), pages))
    }
}

/// Documents as a batch of `schema`'s columns; a value of another type than
/// the column's is null (numbers of any width count as numbers).
fn to_batch(schema: &SchemaRef, r: &Resource, documents: &[Document]) -> DfResult<RecordBatch> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let name = if field.name() == "_id" { r.id_field.as_str() } else { field.name().as_str() };
        let values = documents.iter().map(|d| d.get(name));
        let column: ArrayRef = match field.data_type() {
            DataType::Int64 => {
                let mut b = Int64Builder::with_capacity(documents.len());
                // Only whole numbers: a fraction cut off would no longer be what the store compared.
                values.for_each(|v| b.append_option(v.and_then(number).filter(|n| n.fract() == 0.0).map(|n| n as i64)));
                Arc::new(b.finish())
            }
            DataType::Float64 => {
                let mut b = Float64Builder::with_capacity(documents.len());
                values.for_each(|v| b.append_option(v.and_then(number)));
                Arc::new(b.finish())
            }
            DataType::Boolean => {
                let mut b = BooleanBuilder::with_capacity(documents.len());
                values.for_each(|v| b.append_option(v.and_then(Bson::as_bool)));
                Arc::new(b.finish())
            }
            DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
                let mut b = TimestampNanosecondBuilder::with_capacity(documents.len()).with_timezone_opt(tz.clone());
                values.for_each(|v| {
                    b.append_option(match v {
                        Some(Bson::DateTime(t)) => t.timestamp_millis().checked_mul(1_000_000),
                        _ => None,
                    })
                });
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::with_capacity(documents.len(), documents.len() * 16);
                values.for_each(|v| {
                    b.append_option(match v {
                        None | Some(Bson::Null) => None,
                        Some(Bson::String(s)) => Some(s.clone()),
                        Some(Bson::ObjectId(o)) => Some(o.to_hex()),
                        Some(other) => Some(other.clone().into_relaxed_extjson().to_string()),
                    })
                });
                Arc::new(b.finish())
            }
        };
        columns.push(column);
    }
    Ok(RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(documents.len())),
    )?)
}

fn number(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(f) => Some(*f),
        _ => None,
    }
}
