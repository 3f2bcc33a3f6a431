//! Hive's misc functions (LanguageManual UDF). Spark's sha1 (alias sha),
//! sha2 and crc32 and DataFusion's md5 give Hive's results.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;
use datafusion_spark::function::hash as spark;

pub mod aes_decrypt;
pub mod aes_encrypt;
pub mod current_database;
pub mod current_user;
pub mod hash;
pub mod logged_in_user;
pub mod reflect;
pub mod surrogate_key;
pub mod version;

/// Every misc function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        spark::sha1(),
        spark::sha2(),
        spark::crc32(),
        aes_decrypt::udf(),
        aes_encrypt::udf(),
        current_database::udf(),
        current_user::udf(),
        hash::udf(),
        logged_in_user::udf(),
        reflect::udf(),
        version::udf(),
        Arc::new(ScalarUDF::new_from_impl(surrogate_key::SurrogateKey::default())),
    ]
}
