//! Tables only one session sees: the stand-ins a query rewrite puts in a
//! query (a TRANSFORM's output, a MapReduce job's result files), in a
//! catalog of their own so they never shadow a Hive table.

use std::sync::Arc;

use datafusion::catalog::{MemoryCatalogProvider, MemorySchemaProvider, TableProvider};
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;

use crate::error::Result;

/// The catalog and schema of temporary tables.
pub const CATALOG: &str = "enma_tmp";
pub const SCHEMA: &str = "transform";

/// The name to write in SQL for the temporary table `name`.
pub fn qualified(name: &str) -> String {
    format!("{CATALOG}.{SCHEMA}.{name}")
}

fn ensure_schema(ctx: &SessionContext) -> Result<()> {
    if ctx.catalog(CATALOG).is_none() {
        let catalog = Arc::new(MemoryCatalogProvider::new());
        datafusion::catalog::CatalogProvider::register_schema(
            catalog.as_ref(),
            SCHEMA,
            Arc::new(MemorySchemaProvider::new()),
        )?;
        ctx.register_catalog(CATALOG, catalog);
    }
    Ok(())
}

/// Registers `table` as the temporary table `name`.
pub fn register_as(ctx: &SessionContext, name: &str, table: Arc<dyn TableProvider>) -> Result<()> {
    ensure_schema(ctx)?;
    ctx.register_table(TableReference::full(CATALOG, SCHEMA, name), table)?;
    Ok(())
}

/// Registers a table only this session sees, under a unique name made from
/// `prefix`; returns the name to write in SQL.
pub fn register(ctx: &SessionContext, prefix: &str, table: Arc<dyn TableProvider>) -> Result<String> {
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    register_as(ctx, &name, table)?;
    Ok(qualified(&name))
}
