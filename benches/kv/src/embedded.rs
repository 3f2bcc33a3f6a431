//! The embedded client: the store's own API in the load process, no server,
//! no encoding — the floor under what the protocols add.

use bytes::Bytes;
use enma_kv::{Family, Get, Mutation, Scan, Store, TableName, TableSchema};

use crate::Result;
use crate::load::{Calls, Client, FAMILY, QUALIFIER, TABLE};

pub const CALLS: Calls = Calls {
    put: "Store::mutate_row (one Put)",
    get: "Store::get",
    scan: "Store::scanner with a row limit, rows taken",
};

/// One client thread's handle on the shared store.
pub struct EmbeddedClient {
    store: Store,
    table: TableName,
    family: Bytes,
    qualifier: Bytes,
}

impl EmbeddedClient {
    pub fn new(store: Store) -> Result<Self> {
        Ok(EmbeddedClient {
            store,
            table: TableName::parse(TABLE)?,
            family: Bytes::from_static(FAMILY.as_bytes()),
            qualifier: Bytes::from_static(QUALIFIER.as_bytes()),
        })
    }
}

impl Client for EmbeddedClient {
    fn reset_table(&mut self) -> Result<()> {
        if self.store.table_exists(&self.table) {
            self.store.disable_table(&self.table)?;
            self.store.delete_table(&self.table)?;
        }
        let schema = TableSchema { name: self.table.clone(), families: vec![Family::new(FAMILY)] };
        Ok(self.store.create_table(schema)?)
    }

    fn put(&mut self, row: &[u8], value: &[u8]) -> Result<()> {
        let put = Mutation::Put {
            family: self.family.clone(),
            qualifier: self.qualifier.clone(),
            timestamp: None,
            value: Bytes::copy_from_slice(value),
        };
        Ok(self.store.mutate_row(&self.table, row, &[put])?)
    }

    fn get(&mut self, row: &[u8]) -> Result<Option<Bytes>> {
        let row = self.store.get(&self.table, &Get::new(Bytes::copy_from_slice(row)))?;
        Ok(row
            .and_then(|r| r.cells.into_iter().find(|c| c.family == self.family && c.qualifier == self.qualifier))
            .map(|c| c.value))
    }

    fn scan(&mut self, start: &[u8], rows: usize) -> Result<Vec<Bytes>> {
        let scan = Scan { start_row: Bytes::copy_from_slice(start), limit: Some(rows), ..Scan::default() };
        let mut keys = Vec::with_capacity(rows);
        for row in self.store.scanner(&self.table, scan)?.take(rows) {
            keys.push(row?.key);
        }
        Ok(keys)
    }
}
