//! Hive tables as DataFusion tables: the catalog and schema providers that
//! resolve names through the metastore, and [`HiveTable`], the scan of one
//! table's partitions and files.
//!
//! A scan reads the metastore's partitions (not the directory tree: as in
//! Hive, the metastore is the truth and MSCK REPAIR brings in new
//! directories), prunes them with the query's filters on partition columns,
//! lists the files of each remaining partition, and hands them to the file
//! source of the table's format with the partition values attached.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider, Session, TableProvider};
use datafusion::common::Statistics;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNode;
use datafusion::common::{DFSchema, ScalarValue, TableReference};
use datafusion::datasource::TableType;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, FileSource, JsonSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::execution::cache::cache_manager::CachedFileMetadata;
use datafusion::execution::cache::{SchemaFingerprint, TableScopedPath};
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::union::UnionExec;
use datafusion_datasource::compute_all_files_statistics;
use object_store::{ObjectMeta, ObjectStore};

use super::EngineShared;
use crate::error::{Error, Result};
use enma_hive::types::parse_hive_type;
use enma_metastore::{Column, StorageFormat, Table};
use enma_storage::paths::DEFAULT_PARTITION;
use enma_storage::text::{TextOptions, text_file_source};
use enma_storage::{Location, list_dir};

/// The name DataFusion knows ENMA's single catalog by.
pub const CATALOG: &str = "hive";

/// Arrow fields for Hive columns.
pub fn arrow_fields(columns: &[Column]) -> Result<Vec<Field>> {
    columns.iter().map(|c| Ok(Field::new(&c.name, parse_hive_type(&c.hive_type)?, true))).collect()
}

/// The schema of a table's data files (data columns only).
pub fn file_schema(table: &Table) -> Result<SchemaRef> {
    Ok(Arc::new(Schema::new(arrow_fields(&table.columns)?)))
}

/// The schema a query sees: data columns, then partition columns.
pub fn table_schema(table: &Table) -> Result<SchemaRef> {
    let mut fields = arrow_fields(&table.columns)?;
    fields.extend(arrow_fields(&table.partition_columns)?);
    Ok(Arc::new(Schema::new(fields)))
}

/// Text options of a table, from its SerDe and table properties.
pub fn text_options(table: &Table) -> TextOptions {
    TextOptions::from_properties(&table.serde_properties, &table.properties)
}

/// The metastore seen as a DataFusion catalog: databases are schemas.
#[derive(Debug)]
pub struct HiveCatalog {
    pub(crate) shared: Arc<EngineShared>,
    /// Remote callers read local files only where the disk policy allows.
    pub(crate) caller: super::Caller,
}

impl CatalogProvider for HiveCatalog {
    fn schema_names(&self) -> Vec<String> {
        self.shared.metastore.databases().map(|d| d.into_iter().map(|d| d.name).collect()).unwrap_or_default()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let db = self.shared.metastore.database(name).ok()?;
        Some(Arc::new(HiveSchema { shared: self.shared.clone(), database: db.name, caller: self.caller }))
    }
}

/// One database as a DataFusion schema.
#[derive(Debug)]
pub struct HiveSchema {
    shared: Arc<EngineShared>,
    database: String,
    caller: super::Caller,
}

#[async_trait]
impl SchemaProvider for HiveSchema {
    fn table_names(&self) -> Vec<String> {
        self.shared.metastore.table_names(&self.database).unwrap_or_default()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        match self.shared.metastore.table(&self.database, name) {
            Ok(table) => {
                if let Some(handler) = self.shared.storage_handler(&table)? {
                    return Ok(Some(handler.table_provider(self.shared.handler_context(self.caller), &table)?));
                }
                if self.caller == super::Caller::Remote {
                    check_remote_read(&self.shared, &table)?;
                }
                Ok(Some(Arc::new(HiveTable::new(table)?)))
            }
            Err(e) if e.kind() == crate::error::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        self.shared.metastore.table(&self.database, name).is_ok()
    }
}

/// A remote caller reads a table's local directories only as the metastore
/// records them: a directory that now resolves through a symbolic link to
/// somewhere else is refused, unless its real path is inside the warehouse
/// or a directory the operator allowed.
fn check_remote_read(shared: &EngineShared, table: &Table) -> Result<()> {
    let warehouse: Vec<std::path::PathBuf> = shared.warehouse.url().to_file_path().into_iter().collect();
    let roots = shared.config.remote_access.real_roots(&warehouse);
    let locations = std::iter::once(table.current_data_location())
        .chain(table.partitions.iter().map(|p| p.current_data_location()));
    for text in locations {
        let loc = Location::parse(&text)?;
        let Ok(path) = loc.url().to_file_path() else { continue };
        if !loc.is_local() || !path.exists() {
            continue;
        }
        if let Some(real) = enma_common::access::link_escape(&path, &roots)? {
            return Err(Error::forbidden(format!(
                "table {} reads {}, which now leads through a symbolic link to {}: not allowed for remote callers \
                 (--allow-local-dir, ENMA_ALLOW_LOCAL_DIRS)",
                table.qualified_name(),
                path.display(),
                real.display()
            )));
        }
    }
    Ok(())
}

/// A scan over one Hive table, as of the metastore snapshot it was made from.
#[derive(Debug)]
pub struct HiveTable {
    table: Table,
    schema: SchemaRef,
}

impl HiveTable {
    pub fn new(table: Table) -> Result<Self> {
        let schema = table_schema(&table)?;
        Ok(Self { table, schema })
    }

    /// The metastore entry this scan reads.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Locations to read, each with its partition values.
    fn units(&self, state: &dyn Session, filters: &[Expr]) -> Result<Vec<(String, Vec<ScalarValue>)>> {
        if !self.table.is_partitioned() {
            return Ok(vec![(self.table.current_data_location(), vec![])]);
        }
        let part_fields = arrow_fields(&self.table.partition_columns)?;
        let values = partition_value_arrays(&self.table, &part_fields)?;
        let n = self.table.partitions.len();
        let keep = match conjunction(filters.iter().cloned()) {
            Some(predicate) if n > 0 => {
                let schema = Arc::new(Schema::new(part_fields.clone()));
                let batch = RecordBatch::try_new(schema.clone(), values.clone())?;
                let df_schema = DFSchema::try_from(schema)?;
                let phys = state.create_physical_expr(predicate, &df_schema)?;
                let result = phys.evaluate(&batch)?.into_array(n)?;
                let mask = result
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .ok_or_else(|| Error::internal("partition filter is not boolean"))?
                    .clone();
                (0..n).map(|i| mask.is_valid(i) && mask.value(i)).collect::<Vec<_>>()
            }
            _ => vec![true; n],
        };
        let mut units = Vec::new();
        for (i, p) in self.table.partitions.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let scalars = values.iter().map(|a| ScalarValue::try_from_array(a, i)).collect::<DfResult<Vec<_>>>()?;
            units.push((p.current_data_location(), scalars));
        }
        Ok(units)
    }

    /// What the optimizer knows of one file before reading it: for Parquet,
    /// rows and column ranges from the footer (cached per file version, so a
    /// query reads each footer once); for other formats only its size, enough
    /// to put the smaller side of a join on the build side.
    async fn file_statistics(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        file_schema: &SchemaRef,
        fingerprint: &Arc<SchemaFingerprint>,
        meta: &ObjectMeta,
    ) -> DfResult<Arc<Statistics>> {
        if self.table.format != StorageFormat::Parquet {
            let mut statistics = Statistics::new_unknown(file_schema);
            statistics.total_byte_size = Precision::Inexact(meta.size as usize);
            return Ok(Arc::new(statistics));
        }
        let cache = state.runtime_env().cache_manager.get_file_statistic_cache();
        // Keyed by table too: two tables over the same files with different
        // column types would otherwise evict each other's entries.
        let table = TableReference::full(CATALOG, self.table.database.as_str(), self.table.name.as_str());
        let key = TableScopedPath { table: Some(table), path: meta.location.clone() };
        if let Some(cached) = cache.as_ref().and_then(|c| c.get(&key)).filter(|c| c.is_valid_for(meta, fingerprint)) {
            return Ok(cached.statistics.clone());
        }
        let statistics = Arc::new(ParquetFormat::default().infer_stats(state, store, file_schema.clone(), meta).await?);
        if let Some(cache) = cache {
            cache.put(&key, CachedFileMetadata::new(meta.clone(), fingerprint.clone(), statistics.clone(), None));
        }
        Ok(statistics)
    }

    fn file_source(&self, table_schema: TableSchema) -> Result<Arc<dyn FileSource>> {
        Ok(match self.table.format {
            StorageFormat::Parquet => Arc::new(ParquetSource::new(table_schema)),
            StorageFormat::JsonFile => Arc::new(JsonSource::new(table_schema)),
            StorageFormat::TextFile => text_file_source(text_options(&self.table), table_schema),
            StorageFormat::Orc => return Err(Error::plan("reading ORC tables is not supported in this build")),
        })
    }
}

/// Partition values of every partition, typed as the partition columns.
fn partition_value_arrays(table: &Table, fields: &[Field]) -> Result<Vec<ArrayRef>> {
    fields
        .iter()
        .enumerate()
        .map(|(c, f)| {
            let texts: StringArray = table
                .partitions
                .iter()
                .map(|p| {
                    // Hive reads the default partition of a string column as its name.
                    let v = p.values[c].as_str();
                    (v != DEFAULT_PARTITION || *f.data_type() == arrow::datatypes::DataType::Utf8).then_some(v)
                })
                .collect();
            let typed = cast(&texts, f.data_type())?;
            Ok(typed)
        })
        .collect()
}

/// Columns a filter refers to are all partition columns.
fn only_partition_columns(expr: &Expr, partition_cols: &[String]) -> bool {
    let cols = expr.column_refs();
    !cols.is_empty() && cols.iter().all(|c| partition_cols.contains(&c.name))
        && !expr.exists(|e| Ok(matches!(e, Expr::ScalarFunction(f) if f.func.signature().volatility == datafusion::logical_expr::Volatility::Volatile))).unwrap_or(true)
}

#[async_trait]
impl TableProvider for HiveTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let parts: Vec<String> = self.table.partition_columns.iter().map(|c| c.name.clone()).collect();
        Ok(filters
            .iter()
            .map(|f| {
                if only_partition_columns(f, &parts) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let parts: Vec<String> = self.table.partition_columns.iter().map(|c| c.name.clone()).collect();
        let partition_filters: Vec<Expr> =
            filters.iter().filter(|f| only_partition_columns(f, &parts)).cloned().collect();
        let units = self.units(state, &partition_filters)?;
        let collect_statistics = state.config().collect_statistics();
        let file_schema = file_schema(&self.table)?;
        let fingerprint = Arc::new(SchemaFingerprint::from_schema(&file_schema));
        // Files grouped by object store, so each store gets one scan.
        let mut by_store: BTreeMap<String, (Location, Vec<PartitionedFile>)> = BTreeMap::new();
        for (loc, values) in units {
            let location = Location::parse(&loc)?;
            let store = state.runtime_env().object_store(location.store_url())?;
            let listing = list_dir(store.as_ref(), &location.path()).await?;
            let entry = by_store.entry(location.store_url().to_string()).or_insert_with(|| (location.clone(), vec![]));
            for meta in listing.files {
                let statistics = if collect_statistics {
                    Some(self.file_statistics(state, &store, &file_schema, &fingerprint, &meta).await?)
                } else {
                    None
                };
                let mut f = PartitionedFile::from(meta);
                f.partition_values = values.clone();
                if let Some(statistics) = statistics {
                    f = f.with_statistics(statistics);
                }
                entry.1.push(f);
            }
        }
        let projected = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        let target = state.config().target_partitions().max(1);
        let mut plans: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
        for (_, (location, files)) in by_store {
            if files.is_empty() {
                continue;
            }
            let mut groups: Vec<Vec<PartitionedFile>> = vec![vec![]; target.min(files.len())];
            let count = groups.len();
            for (i, f) in files.into_iter().enumerate() {
                groups[i % count].push(f);
            }
            let part_fields: Vec<Arc<Field>> =
                arrow_fields(&self.table.partition_columns)?.into_iter().map(Arc::new).collect();
            let ts = TableSchema::builder(file_schema.clone()).with_table_partition_cols(part_fields).build();
            let source = self.file_source(ts)?;
            let (groups, statistics) = compute_all_files_statistics(
                groups.into_iter().map(FileGroup::new).collect(),
                self.schema.clone(),
                collect_statistics,
                false,
            )?;
            let config = FileScanConfigBuilder::new(location.store_url(), source)
                .with_file_groups(groups)
                .with_statistics(statistics)
                .with_projection_indices(projection.cloned())?
                .with_limit(limit)
                .build();
            plans.push(DataSourceExec::from_data_source(config));
        }
        if plans.len() > 1 {
            return UnionExec::try_new(plans);
        }
        Ok(plans.pop().unwrap_or_else(|| Arc::new(EmptyExec::new(projected))))
    }
}
