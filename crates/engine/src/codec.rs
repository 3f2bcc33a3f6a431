//! The engine's own tables and operators on their way to a cluster: a scan
//! of a Hive table carries the table's metastore entry, so the scheduler
//! plans it (partition pruning, file listing) exactly as the local engine
//! does, without a metastore of its own; a scan of Hive text files carries
//! its text layout next to DataFusion's own `FileScanExecConf`.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::from_proto::{parse_protobuf_file_scan_config, parse_table_schema_from_proto};
use datafusion_proto::physical_plan::to_proto::serialize_file_scan_config;
use datafusion_proto::physical_plan::{
    PhysicalExtensionCodec, PhysicalPlanDecodeContext, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf::FileScanExecConf;
use prost::Message;

use super::extension::ExtensionCodec;
use super::table::HiveTable;
use enma_metastore::Table;
use enma_storage::text::{HiveTextSource, TextOptions};

/// Why a payload could not be made or read.
pub fn codec_error(what: &str, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("cannot {what}: {e}"))
}

/// A scan of Hive text files: DataFusion's scan configuration and the text layout.
#[derive(Clone, PartialEq, Message)]
struct TextScanNode {
    /// [`TextOptions`] as JSON.
    #[prost(bytes = "vec", tag = "1")]
    options: Vec<u8>,
    #[prost(message, optional, tag = "2")]
    conf: Option<FileScanExecConf>,
}

/// Hive tables and Hive text scans.
#[derive(Debug, Default)]
pub struct HiveTableCodec;

fn text_scan(node: &Arc<dyn ExecutionPlan>) -> Option<(&FileScanConfig, &HiveTextSource)> {
    let exec = node.downcast_ref::<DataSourceExec>()?;
    let config = exec.data_source().downcast_ref::<FileScanConfig>()?;
    let source = config.file_source().downcast_ref::<HiveTextSource>()?;
    Some((config, source))
}

impl ExtensionCodec for HiveTableCodec {
    fn name(&self) -> &str {
        "hive"
    }

    fn encode_table(
        &self,
        _table_ref: &TableReference,
        table: &Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
        _logical: &dyn LogicalExtensionCodec,
    ) -> Result<bool> {
        let Some(hive) = table.downcast_ref::<HiveTable>() else { return Ok(false) };
        serde_json::to_writer(buf, hive.table()).map_err(|e| codec_error("encode a Hive table", e))?;
        Ok(true)
    }

    fn decode_table(
        &self,
        buf: &[u8],
        _schema: SchemaRef,
        _ctx: &TaskContext,
        _logical: &dyn LogicalExtensionCodec,
    ) -> Result<Arc<dyn TableProvider>> {
        let table: Table = serde_json::from_slice(buf).map_err(|e| codec_error("decode a Hive table", e))?;
        Ok(Arc::new(HiveTable::new(table)?))
    }

    fn encode_exec(
        &self,
        node: &Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        physical: &dyn PhysicalExtensionCodec,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<bool> {
        let Some((config, source)) = text_scan(node) else { return Ok(false) };
        let message = TextScanNode {
            options: serde_json::to_vec(source.options()).map_err(|e| codec_error("encode text options", e))?,
            conf: Some(serialize_file_scan_config(config, physical, converter)?),
        };
        message.encode(buf).map_err(|e| codec_error("encode a text scan", e))?;
        Ok(true)
    }

    fn decode_exec(
        &self,
        buf: &[u8],
        _inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        physical: &dyn PhysicalExtensionCodec,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let node = TextScanNode::decode(buf).map_err(|e| codec_error("decode a text scan", e))?;
        let options: TextOptions =
            serde_json::from_slice(&node.options).map_err(|e| codec_error("decode text options", e))?;
        let conf = node.conf.ok_or_else(|| codec_error("decode a text scan", "no scan configuration"))?;
        let table_schema = parse_table_schema_from_proto(&conf)?;
        let source = Arc::new(HiveTextSource::new(options, table_schema));
        let decode_ctx = PhysicalPlanDecodeContext::new(ctx, physical);
        let config = parse_protobuf_file_scan_config(&conf, &decode_ctx, converter, source)?;
        Ok(DataSourceExec::from_data_source(config))
    }
}
