//! DDL: databases, tables, partitions and their storage.

use std::collections::BTreeMap;

use super::output::QueryOutput;
use super::session::Session;
use super::{Caller, empty_output};
use crate::error::{Error, Result};
use enma_hive::statement::{CreateTable, PartitionSpec, TableName};
use enma_hive::types::{hive_type_name, is_integer_type};
use enma_metastore::model::{check_object_name, partition_name};
use enma_metastore::{Column, Database, DatabaseEntry, Partition, StorageFormat, Table, TableKind};
use enma_storage::paths::unescape_path_name;
use enma_storage::{Location, remove_dir};

impl Session {
    /// Parses a user-given location and applies the local-disk rule for remote callers.
    pub(crate) fn user_location(&self, text: &str) -> Result<Location> {
        let loc = Location::parse(text)?;
        if loc.is_local() && self.caller == Caller::Remote {
            let path = loc.url().to_file_path().map_err(|_| Error::plan(format!("invalid file location '{text}'")))?;
            let real = self.check_local_access(&path, "a table location")?;
            return Location::parse(&real.to_string_lossy());
        }
        Ok(loc)
    }

    pub(crate) async fn create_database(
        &mut self,
        name: String,
        if_not_exists: bool,
        comment: Option<String>,
        location: Option<String>,
        properties: BTreeMap<String, String>,
    ) -> Result<QueryOutput> {
        check_object_name("database", &name)?;
        let location = match location {
            Some(l) => self.user_location(&l)?.as_string(),
            None => self.shared.warehouse.child(&format!("{name}.db"))?.as_string(),
        };
        self.shared.metastore.update(|c| {
            if c.databases.contains_key(&name) {
                return if if_not_exists {
                    Ok(())
                } else {
                    Err(Error::exists(format!("Database {name} already exists")))
                };
            }
            c.databases.insert(
                name.clone(),
                DatabaseEntry {
                    database: Database { name: name.clone(), comment, location, properties },
                    tables: BTreeMap::new(),
                },
            );
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) async fn drop_database(&mut self, name: String, if_exists: bool, cascade: bool) -> Result<QueryOutput> {
        if name == "default" {
            return Err(Error::plan("Can not drop default database"));
        }
        let dropped = self.shared.metastore.update(|c| {
            let Some(entry) = c.databases.get(&name) else {
                return if if_exists {
                    Ok(None)
                } else {
                    Err(Error::not_found(format!("Database does not exist: {name}")))
                };
            };
            if !entry.tables.is_empty() && !cascade {
                return Err(Error::plan(format!(
                    "Database {name} is not empty. One or more tables exist (use DROP DATABASE ... CASCADE)"
                )));
            }
            Ok(c.databases.remove(&name))
        })?;
        if let Some(entry) = dropped {
            for table in entry.tables.values() {
                self.delete_table_data(table).await?;
            }
        }
        if self.database == name {
            self.database = "default".into();
            self.ctx.state_ref().write().config_mut().options_mut().catalog.default_schema = "default".into();
        }
        Ok(empty_output())
    }

    pub(crate) async fn create_table(&mut self, ct: CreateTable) -> Result<QueryOutput> {
        if ct.temporary {
            return Err(Error::plan("CREATE TEMPORARY TABLE is not supported yet"));
        }
        let db = self.db_of(&ct.name).to_string();
        check_object_name("table", &ct.name.name)?;
        let database = self.shared.metastore.database(&db)?;
        if self.shared.metastore.table(&db, &ct.name.name).is_ok() {
            return if ct.if_not_exists {
                Ok(empty_output())
            } else {
                Err(Error::exists(format!("Table already exists: {db}.{}", ct.name.name)))
            };
        }
        let location = match &ct.location {
            Some(l) => self.user_location(l)?.as_string(),
            None => Location::parse(&database.location)?.child(&ct.name.name)?.as_string(),
        };
        let mut table = Table {
            database: db.clone(),
            name: ct.name.name.clone(),
            kind: if ct.external { TableKind::External } else { TableKind::Managed },
            columns: ct.columns.clone(),
            partition_columns: ct.partition_columns.clone(),
            location,
            data_dir: None,
            format: ct.format.unwrap_or(StorageFormat::TextFile),
            storage_handler: ct.storage_handler.clone(),
            serde_properties: ct.serde_properties.clone(),
            properties: ct.properties.clone(),
            comment: ct.comment.clone(),
            create_time: chrono::Utc::now().timestamp(),
            partitions: vec![],
        };
        if let Some(like) = &ct.like {
            let src = self.shared.metastore.table(self.db_of(like), &like.name)?;
            table.columns = src.columns;
            table.partition_columns = src.partition_columns;
            table.format = ct.format.unwrap_or(src.format);
            table.serde_properties = src.serde_properties;
        }
        for p in &table.partition_columns {
            if table.columns.iter().any(|c| c.name == p.name) {
                return Err(Error::plan(format!("Column repeated in partitioning columns: {}", p.name)));
            }
        }
        if let Some(handler) = self.shared.storage_handler(&table)? {
            if ct.query.is_some() || ct.like.is_some() || !table.partition_columns.is_empty() {
                return Err(Error::plan(
                    "a table STORED BY a storage handler cannot be partitioned, nor made with AS SELECT or LIKE",
                ));
            }
            handler.bind(self.shared.handler_context(self.caller), &table)?;
            self.register_table(table)?;
            return Ok(empty_output());
        }
        if let Some(query) = ct.query {
            if ct.external || !ct.partition_columns.is_empty() || !ct.columns.is_empty() {
                return Err(Error::plan(
                    "CREATE TABLE AS SELECT cannot create an external or partitioned table or declare columns",
                ));
            }
            // Plan first, so a bad query creates nothing.
            let plan = self.plan_query(datafusion::sql::sqlparser::ast::Statement::Query(query)).await?;
            table.columns = plan
                .schema()
                .fields()
                .iter()
                .map(|f| Column {
                    name: f.name().to_ascii_lowercase(),
                    hive_type: hive_type_name(f.data_type()),
                    comment: None,
                })
                .collect();
            self.register_table(table.clone())?;
            let name = TableName { database: Some(db.clone()), name: table.name.clone() };
            if let Err(e) = self.write_plan(&name, true, None, plan).await {
                // CTAS is all or nothing: no table if its query fails.
                let _ = self.shared.metastore.update(|c| Ok(c.database_mut(&db)?.tables.remove(&table.name)));
                let _ = self.delete_table_data(&table).await;
                return Err(e);
            }
            return Ok(empty_output());
        }
        if table.columns.is_empty() {
            return Err(Error::plan(format!("Table {db}.{} has no columns", table.name)));
        }
        self.register_table(table)?;
        Ok(empty_output())
    }

    fn register_table(&self, table: Table) -> Result<()> {
        self.shared.metastore.update(|c| {
            let entry = c.database_mut(&table.database)?;
            if entry.tables.contains_key(&table.name) {
                return Err(Error::exists(format!("Table already exists: {}", table.qualified_name())));
            }
            entry.tables.insert(table.name.clone(), table);
            Ok(())
        })
    }

    /// Removes the data of a managed table (external tables keep theirs).
    async fn delete_table_data(&self, table: &Table) -> Result<()> {
        if table.kind != TableKind::Managed {
            return Ok(());
        }
        if let Some(handler) = self.shared.storage_handler(table)? {
            return handler.drop_table(self.shared.handler_context(self.caller), table);
        }
        let mut dirs = vec![table.location.clone()];
        dirs.extend(table.partitions.iter().map(|p| p.location.clone()));
        for dir in dirs {
            let loc = Location::parse(&dir)?;
            let store = self.shared.runtime.object_store(loc.store_url())?;
            remove_dir(store.as_ref(), &loc).await?;
        }
        Ok(())
    }

    pub(crate) async fn drop_table(&mut self, name: TableName, if_exists: bool) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        let ignore_missing = self.conf.get("hive.exec.drop.ignorenonexistent").is_none_or(|v| v != "false");
        let removed = self.shared.metastore.update(|c| {
            let entry = c.database_mut(&db)?;
            match entry.tables.remove(&name.name) {
                Some(t) => Ok(Some(t)),
                // Hive ignores a missing table (hive.exec.drop.ignorenonexistent=true).
                None if if_exists || ignore_missing => Ok(None),
                None => Err(Error::not_found(format!("Table not found: {db}.{}", name.name))),
            }
        })?;
        if let Some(t) = removed {
            self.delete_table_data(&t).await?;
        }
        Ok(empty_output())
    }

    pub(crate) async fn truncate(&mut self, name: TableName, spec: Option<PartitionSpec>) -> Result<QueryOutput> {
        let table = self.shared.metastore.table(self.db_of(&name), &name.name)?;
        if table.kind != TableKind::Managed {
            return Err(Error::plan(format!("Cannot truncate non-managed table {}.", table.qualified_name())));
        }
        if table.storage_handler.is_some() {
            return Err(Error::plan(format!("Cannot truncate non-native table {}.", table.qualified_name())));
        }
        let units: Vec<Option<Vec<String>>> = if table.is_partitioned() {
            let matching = matching_partitions(&table, spec.as_ref())?;
            matching.into_iter().map(|p| Some(p.values.clone())).collect()
        } else {
            if spec.is_some() {
                return Err(Error::plan(format!("table {} is not partitioned", table.qualified_name())));
            }
            vec![None]
        };
        // Each unit switches to a new, empty generation: atomic for readers.
        let commits = units.into_iter().map(|u| (u, super::dml::new_generation())).collect::<Vec<_>>();
        self.commit_generations(&table, &commits).await?;
        Ok(empty_output())
    }

    pub(crate) async fn rename_table(&mut self, from: TableName, to: TableName) -> Result<QueryOutput> {
        let from_db = self.db_of(&from).to_string();
        let to_db = self.db_of(&to).to_string();
        check_object_name("table", &to.name)?;
        let old = self.shared.metastore.table(&from_db, &from.name)?;
        let to_database = self.shared.metastore.database(&to_db)?;
        // A managed table in the warehouse moves with its name, as in Hive.
        let default_loc =
            Location::parse(&self.shared.metastore.database(&from_db)?.location)?.child(&from.name)?.as_string();
        let moves = old.kind == TableKind::Managed && old.location == default_loc;
        let new_loc = Location::parse(&to_database.location)?.child(&to.name)?;
        // Refuse before moving any data.
        if self.shared.metastore.table(&to_db, &to.name).is_ok() {
            return Err(Error::exists(format!("Table already exists: {to_db}.{}", to.name)));
        }
        if moves {
            let src = Location::parse(&old.location)?;
            let store = self.shared.runtime.object_store(src.store_url())?;
            move_tree(store.as_ref(), &src.path(), &new_loc.path()).await?;
        }
        self.shared.metastore.update(|c| {
            if c.database(&to_db)?.tables.contains_key(&to.name) {
                return Err(Error::exists(format!("Table already exists: {to_db}.{}", to.name)));
            }
            let mut t = c
                .database_mut(&from_db)?
                .tables
                .remove(&from.name)
                .ok_or_else(|| Error::not_found(format!("Table not found: {from_db}.{}", from.name)))?;
            if moves {
                let old_loc = t.location.clone();
                t.location = new_loc.as_string();
                for p in &mut t.partitions {
                    if let Some(rest) = p.location.strip_prefix(&old_loc) {
                        p.location = format!("{}{rest}", t.location);
                    }
                }
            }
            t.database = to_db.clone();
            t.name = to.name.clone();
            c.database_mut(&to_db)?.tables.insert(to.name.clone(), t);
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) fn add_columns(&mut self, name: TableName, columns: Vec<Column>, replace: bool) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            if replace {
                t.columns.clear();
            }
            for col in columns {
                if t.all_columns().any(|c| c.name == col.name) {
                    return Err(Error::plan(format!("Duplicate column name: {}", col.name)));
                }
                t.columns.push(col);
            }
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) fn change_column(
        &mut self,
        name: TableName,
        old: String,
        column: Column,
        position: Option<Option<String>>,
    ) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            if t.partition_columns.iter().any(|p| p.name == old) {
                return Err(Error::plan(format!("cannot CHANGE partition column {old}")));
            }
            let i = t
                .columns
                .iter()
                .position(|c| c.name == old)
                .ok_or_else(|| Error::plan(format!("Invalid column reference {old}")))?;
            if column.name != old && t.all_columns().any(|c| c.name == column.name) {
                return Err(Error::plan(format!("Duplicate column name: {}", column.name)));
            }
            let mut col = column;
            if col.comment.is_none() {
                col.comment = t.columns[i].comment.clone();
            }
            t.columns.remove(i);
            let at = match position {
                None => i,
                Some(None) => 0,
                Some(Some(after)) => {
                    t.columns
                        .iter()
                        .position(|c| c.name == after)
                        .ok_or_else(|| Error::plan(format!("Invalid column reference {after}")))?
                        + 1
                }
            };
            t.columns.insert(at, col);
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) fn set_tblproperties(
        &mut self,
        name: TableName,
        props: BTreeMap<String, String>,
    ) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            if let Some(ext) = props.get("EXTERNAL") {
                t.kind = if ext.eq_ignore_ascii_case("true") { TableKind::External } else { TableKind::Managed };
            }
            t.properties.extend(props.into_iter().filter(|(k, _)| k != "EXTERNAL"));
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) fn set_location(
        &mut self,
        name: TableName,
        spec: Option<PartitionSpec>,
        location: String,
    ) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        let loc = self.user_location(&location)?.as_string();
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            match spec {
                None => {
                    t.location = loc;
                    t.data_dir = None;
                }
                Some(spec) => {
                    let values = full_partition_values(t, &spec)?;
                    let p = t
                        .partitions
                        .iter_mut()
                        .find(|p| p.values == values)
                        .ok_or_else(|| Error::not_found("Partition not found"))?;
                    p.location = loc;
                    p.data_dir = None;
                }
            }
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) async fn add_partitions(
        &mut self,
        name: TableName,
        if_not_exists: bool,
        partitions: Vec<(PartitionSpec, Option<String>)>,
    ) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        let table = self.shared.metastore.table(&db, &name.name)?;
        let mut new = Vec::new();
        for (spec, loc) in partitions {
            let values = full_partition_values(&table, &spec)?;
            let location = match loc {
                Some(l) => self.user_location(&l)?.as_string(),
                None => Location::parse(&table.location)?.child(&partition_name(&table, &values))?.as_string(),
            };
            new.push(Partition { values, location, data_dir: None });
        }
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            for p in new {
                if t.partition(&p.values).is_some() {
                    if if_not_exists {
                        continue;
                    }
                    return Err(Error::exists(format!("Partition already exists: {}", partition_name(t, &p.values))));
                }
                t.partitions.push(p);
            }
            Ok(())
        })?;
        Ok(empty_output())
    }

    pub(crate) async fn drop_partitions(
        &mut self,
        name: TableName,
        if_exists: bool,
        specs: Vec<Vec<(String, String, String)>>,
    ) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        let table = self.shared.metastore.table(&db, &name.name)?;
        let mut doomed: Vec<Vec<String>> = Vec::new();
        for spec in &specs {
            let matching = filter_partitions(&table, spec)?;
            if matching.is_empty() && !if_exists {
                return Err(Error::not_found(format!(
                    "No partition matches {}",
                    spec.iter().map(|(k, op, v)| format!("{k}{op}{v}")).collect::<Vec<_>>().join(", ")
                )));
            }
            doomed.extend(matching.into_iter().map(|p| p.values.clone()));
        }
        let removed = self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            let (gone, kept): (Vec<Partition>, Vec<Partition>) =
                t.partitions.drain(..).partition(|p| doomed.contains(&p.values));
            t.partitions = kept;
            Ok(gone)
        })?;
        if table.kind == TableKind::Managed {
            for p in removed {
                let loc = Location::parse(&p.location)?;
                let store = self.shared.runtime.object_store(loc.store_url())?;
                remove_dir(store.as_ref(), &loc).await?;
            }
        }
        Ok(empty_output())
    }

    /// MSCK REPAIR TABLE: adds partitions whose directories exist but which the metastore lacks.
    pub(crate) async fn msck(&mut self, name: TableName) -> Result<QueryOutput> {
        let db = self.db_of(&name).to_string();
        let table = self.shared.metastore.table(&db, &name.name)?;
        if !table.is_partitioned() {
            return Ok(empty_output());
        }
        let base = Location::parse(&table.location)?;
        let store = self.shared.runtime.object_store(base.store_url())?;
        let mut found: Vec<(Vec<String>, String)> = vec![(vec![], base.as_string())];
        for col in &table.partition_columns {
            let mut next = Vec::new();
            for (values, dir) in found {
                let loc = Location::parse(&dir)?;
                let listing = enma_storage::list_dir(store.as_ref(), &loc.path()).await?;
                for d in listing.dirs {
                    let Some((k, v)) = d.split_once('=') else { continue };
                    if !k.eq_ignore_ascii_case(&col.name) {
                        continue;
                    }
                    let mut vs = values.clone();
                    vs.push(unescape_path_name(v));
                    next.push((vs, loc.child(&d)?.as_string()));
                }
            }
            found = next;
        }
        let mut added = Vec::new();
        self.shared.metastore.update(|c| {
            let t = c.table_mut(&db, &name.name)?;
            for (values, location) in found {
                if t.partition(&values).is_none() {
                    added.push(partition_name(t, &values));
                    t.partitions.push(Partition { values, location, data_dir: None });
                }
            }
            Ok(())
        })?;
        let rows = added
            .into_iter()
            .map(|n| vec![Some(format!("Repair: Added partition to metastore {}:{n}", name.name))])
            .collect();
        Ok(super::rows_output(&["result"], rows))
    }
}

/// Values for every partition column from a full spec (any order), or an error.
pub(crate) fn full_partition_values(table: &Table, spec: &PartitionSpec) -> Result<Vec<String>> {
    if !table.is_partitioned() {
        return Err(Error::plan(format!("table {} is not partitioned", table.qualified_name())));
    }
    for (k, _) in spec {
        if !table.partition_columns.iter().any(|c| &c.name == k) {
            return Err(Error::plan(format!("{k} is not a partition column of {}", table.qualified_name())));
        }
    }
    table
        .partition_columns
        .iter()
        .map(|c| {
            spec.iter()
                .find(|(k, _)| k == &c.name)
                .and_then(|(_, v)| v.clone())
                .map(|v| normalize_partition_value(c, v))
                .ok_or_else(|| Error::plan(format!("partition spec is missing a value for {}", c.name)))
        })
        .collect()
}

/// Hive stores an integer partition value in its canonical form (`007` is `7`).
pub(crate) fn normalize_partition_value(column: &Column, value: String) -> String {
    match value.trim().parse::<i64>() {
        Ok(n) if is_integer_type(&column.hive_type) => n.to_string(),
        _ => value,
    }
}

/// Position of partition column `name` in `table`, or a planning error.
fn partition_column_index(table: &Table, name: &str) -> Result<usize> {
    table
        .partition_columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::plan(format!("{name} is not a partition column of {}", table.qualified_name())))
}

/// Partitions matching a (possibly partial) spec; all of them for `None`.
pub(crate) fn matching_partitions<'a>(table: &'a Table, spec: Option<&PartitionSpec>) -> Result<Vec<&'a Partition>> {
    let Some(spec) = spec else { return Ok(table.partitions.iter().collect()) };
    let mut idx = Vec::new();
    for (k, v) in spec {
        let i = partition_column_index(table, k)?;
        let v = v.clone().ok_or_else(|| Error::plan(format!("partition spec needs a value for {k}")))?;
        idx.push((i, v));
    }
    Ok(table.partitions.iter().filter(|p| idx.iter().all(|(i, v)| &p.values[*i] == v)).collect())
}

/// Partitions whose values satisfy every `column op value` comparison;
/// integer columns compare as numbers, others as text.
pub(crate) fn filter_partitions<'a>(
    table: &'a Table,
    filters: &[(String, String, String)],
) -> Result<Vec<&'a Partition>> {
    let mut checks = Vec::new();
    for (k, op, v) in filters {
        let i = partition_column_index(table, k)?;
        checks.push((i, op.as_str(), normalize_partition_value(&table.partition_columns[i], v.clone())));
    }
    let cmp = |col: &Column, a: &str, b: &str| -> std::cmp::Ordering {
        match (is_integer_type(&col.hive_type), a.parse::<i64>(), b.parse::<i64>()) {
            (true, Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.cmp(b),
        }
    };
    Ok(table
        .partitions
        .iter()
        .filter(|p| {
            checks.iter().all(|(i, op, v)| {
                let o = cmp(&table.partition_columns[*i], &p.values[*i], v);
                match *op {
                    "=" => o.is_eq(),
                    "<>" => o.is_ne(),
                    "<" => o.is_lt(),
                    "<=" => o.is_le(),
                    ">" => o.is_gt(),
                    _ => o.is_ge(),
                }
            })
        })
        .collect())
}

/// Moves every object under `from` to the same relative path under `to`.
async fn move_tree(
    store: &dyn object_store::ObjectStore,
    from: &object_store::path::Path,
    to: &object_store::path::Path,
) -> Result<()> {
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    let objects: Vec<_> = store.list(Some(from)).try_collect().await?;
    for o in objects {
        let rel: Vec<_> = o.location.prefix_match(from).map(|p| p.collect()).unwrap_or_default();
        let mut dest = to.clone();
        for part in rel {
            dest = dest.clone().join(part);
        }
        store.rename(&o.location, &dest).await?;
    }
    Ok(())
}
