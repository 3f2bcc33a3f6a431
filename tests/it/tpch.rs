//! TPC-H for the tests: the tables from `enma-datagen`, and the spec's 22
//! queries from `benches/tpch/queries`.

use std::path::{Path, PathBuf};

pub use enma_datagen::tpch::ddl;

/// Generates the tables into `dir` (see `enma_datagen::tpch::generate`), `files` files per table.
pub fn generate(dir: &Path, scale: f64, files: i32) -> PathBuf {
    enma_datagen::tpch::generate(dir, scale, files, &mut |_| {}).unwrap();
    dir.to_path_buf()
}

/// The 22 queries, `(name, sql)`, from `benches/tpch/queries`.
pub fn queries() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/tpch/queries");
    (1..=22)
        .map(|n| {
            let name = format!("q{n:02}");
            let sql =
                std::fs::read_to_string(dir.join(format!("{name}.sql"))).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, sql)
        })
        .collect()
}
