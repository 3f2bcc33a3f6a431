//! Plans to bytes and back for the cluster: what Ballista's codecs cannot
//! encode on their own is ENMA's, so it is encoded here and everything else
//! is left to them.
//!
//! What is ours: in a logical plan, a scan of a Hive table carries the
//! table's metastore entry, so the scheduler plans the scan (partition
//! pruning, file listing) exactly as the local engine does, without a
//! metastore of its own; a MapReduce job carries its [`JobPlan`]; a TRANSFORM
//! carries its input plan, so the scheduler plans the input and the command
//! runs on the executors. In a
//! physical plan, a scan of Hive text files carries its text layout next to
//! DataFusion's own `FileScanExecConf`, and MapReduce's operators (tasks,
//! output files) are plain data, sent as JSON; their input splits are rows
//! of an in-memory source, which DataFusion's codec carries and Ballista's
//! scheduler slices so each task reads only its own.
//!
//! Our payloads start with a zero byte, which no protobuf message can start
//! with (field number 0 does not exist), so they never collide with what the
//! wrapped Ballista codecs write.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::{AsLogicalPlan, LogicalExtensionCodec};
use datafusion_proto::physical_plan::from_proto::{parse_protobuf_file_scan_config, parse_table_schema_from_proto};
use datafusion_proto::physical_plan::to_proto::serialize_file_scan_config;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalPlanDecodeContext, PhysicalProtoConverterExtension};
use datafusion_proto::protobuf::{FileScanExecConf, LogicalPlanNode};
use prost::Message;

use crate::engine::table::HiveTable;
use crate::engine::transform::{TransformExec, TransformTable};
use crate::hive::transform::ScriptFormat;
use crate::mapreduce::input::{InputFormat, MapInputExec};
use crate::mapreduce::output::OutputExec;
use crate::mapreduce::partition::{PartitionBy, PartitionKeyExec};
use crate::mapreduce::plan::{JobPlan, MapReduceNode};
use crate::mapreduce::task::{Phase, Task, TaskExec};
use crate::metastore::Table;
use crate::storage::text::{HiveTextSource, TextOptions};

/// Marks a payload as ENMA's; the next byte says what follows.
const MAGIC: &[u8] = b"\0ENMA";
const HIVE_TABLE: u8 = 1;
const TEXT_SCAN: u8 = 2;
const MAPREDUCE_JOB: u8 = 3;
const MAP_INPUT: u8 = 4;
const MAPREDUCE_TASK: u8 = 5;
const MAPREDUCE_OUTPUT: u8 = 6;
const TRANSFORM_TABLE: u8 = 7;
const TRANSFORM: u8 = 8;
const PARTITION_KEY: u8 = 9;

fn ours(buf: &[u8]) -> Option<(u8, &[u8])> {
    let rest = buf.strip_prefix(MAGIC)?;
    let (&kind, payload) = rest.split_first()?;
    Some((kind, payload))
}

fn frame(kind: u8, payload: &[u8], buf: &mut Vec<u8>) {
    buf.extend_from_slice(MAGIC);
    buf.push(kind);
    buf.extend_from_slice(payload);
}

/// Operators that are plain data travel as JSON.
fn frame_json<T: serde::Serialize + ?Sized>(kind: u8, value: &T, buf: &mut Vec<u8>) -> Result<()> {
    let payload = serde_json::to_vec(value).map_err(|e| codec_error("encode an operator", e))?;
    frame(kind, &payload, buf);
    Ok(())
}

fn only_input(inputs: &[Arc<dyn ExecutionPlan>]) -> Result<Arc<dyn ExecutionPlan>> {
    match inputs {
        [input] => Ok(input.clone()),
        _ => Err(codec_error("decode a plan", format!("expected one input, got {}", inputs.len()))),
    }
}

fn codec_error(what: &str, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("cannot {what}: {e}"))
}

/// Logical plans: Hive tables, then Ballista's own nodes and file formats.
#[derive(Debug, Default)]
pub struct EnmaLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for EnmaLogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        match ours(buf) {
            Some((MAPREDUCE_JOB, payload)) => {
                let job: JobPlan = serde_json::from_slice(payload).map_err(|e| codec_error("decode a MapReduce job", e))?;
                Ok(Extension { node: Arc::new(MapReduceNode { job, input: inputs.first().cloned() }) })
            }
            Some((kind, _)) => Err(codec_error("decode a plan node", format!("unknown kind {kind}"))),
            None => self.inner.try_decode(buf, inputs, ctx),
        }
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        match node.node.as_any().downcast_ref::<MapReduceNode>() {
            Some(mapreduce) => {
                let payload = serde_json::to_vec(&mapreduce.job).map_err(|e| codec_error("encode a MapReduce job", e))?;
                frame(MAPREDUCE_JOB, &payload, buf);
                Ok(())
            }
            None => self.inner.try_encode(node, buf),
        }
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match ours(buf) {
            Some((HIVE_TABLE, payload)) => {
                let table: Table = serde_json::from_slice(payload).map_err(|e| codec_error("decode a Hive table", e))?;
                Ok(Arc::new(HiveTable::new(table)?))
            }
            Some((TRANSFORM_TABLE, payload)) => {
                let node = TransformTableNode::decode(payload).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                let input = LogicalPlanNode::decode(node.input.as_slice())
                    .map_err(|e| codec_error("decode a TRANSFORM's input", e))?
                    .try_into_logical_plan(ctx, self)?;
                let format = ScriptFormat::from_marker(&node.format).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                Ok(Arc::new(TransformTable { input, command: node.command, schema, default_columns: node.default_columns, format }))
            }
            Some((kind, _)) => Err(codec_error("decode a table", format!("unknown kind {kind}"))),
            None => self.inner.try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        match node.downcast_ref::<HiveTable>() {
            Some(hive) => {
                let payload = serde_json::to_vec(hive.table()).map_err(|e| codec_error("encode a Hive table", e))?;
                frame(HIVE_TABLE, &payload, buf);
                Ok(())
            }
            None if node.downcast_ref::<crate::kv::table::HBaseTable>().is_some() => {
                Err(DataFusionError::NotImplemented(crate::kv::table::refused_on_cluster(&table_ref.to_string())))
            }
            None if node.downcast_ref::<TransformTable>().is_some() => {
                let table = node.downcast_ref::<TransformTable>().expect("checked");
                let message = TransformTableNode {
                    input: LogicalPlanNode::try_from_logical_plan(&table.input, self)?.encode_to_vec(),
                    command: table.command.clone(),
                    default_columns: table.default_columns,
                    format: table.format.to_marker(),
                };
                frame(TRANSFORM_TABLE, &message.encode_to_vec(), buf);
                Ok(())
            }
            None => self.inner.try_encode_table_provider(table_ref, node, buf),
        }
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }



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

/// A TRANSFORM as a table: its input plan and its command (the schema travels beside it).
#[derive(Clone, PartialEq, Message)]
struct TransformTableNode {
    /// A `LogicalPlanNode`, encoded.
    #[prost(bytes = "vec", tag = "1")]
    input: Vec<u8>,
    #[prost(string, tag = "2")]
    command: String,
    #[prost(bool, tag = "3")]
    default_columns: bool,
    /// The row formats (`ScriptFormat`'s marker form).
    #[prost(string, tag = "4")]
    format: String,
}

/// A TRANSFORM's operator: its command, declared schema and the columns it reads.
#[derive(Clone, PartialEq, Message)]
struct TransformNode {
    #[prost(string, tag = "1")]
    command: String,
    #[prost(message, optional, tag = "2")]
    schema: Option<datafusion_proto::protobuf::Schema>,
    #[prost(bool, tag = "3")]
    default_columns: bool,
    #[prost(uint64, repeated, tag = "4")]
    projection: Vec<u64>,
    #[prost(string, tag = "5")]
    format: String,
}

/// Physical plans: Hive text scans, then Ballista's shuffle nodes and DataFusion's own.
#[derive(Debug, Default)]
pub struct EnmaPhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
}

impl EnmaPhysicalCodec {
    fn text_scan(node: &Arc<dyn ExecutionPlan>) -> Option<(&FileScanConfig, &HiveTextSource)> {
        let exec = node.downcast_ref::<DataSourceExec>()?;
        let config = exec.data_source().downcast_ref::<FileScanConfig>()?;
        let source = config.file_source().downcast_ref::<HiveTextSource>()?;
        Some((config, source))
    }
}

impl PhysicalExtensionCodec for EnmaPhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match ours(buf) {
            Some((TEXT_SCAN, payload)) => {
                let node = TextScanNode::decode(payload).map_err(|e| codec_error("decode a text scan", e))?;
                let options: TextOptions =
                    serde_json::from_slice(&node.options).map_err(|e| codec_error("decode text options", e))?;
                let conf = node.conf.ok_or_else(|| codec_error("decode a text scan", "no scan configuration"))?;
                let table_schema = parse_table_schema_from_proto(&conf)?;
                let source = Arc::new(HiveTextSource::new(options, table_schema));
                let decode_ctx = PhysicalPlanDecodeContext::new(ctx, self);
                let config = parse_protobuf_file_scan_config(&conf, &decode_ctx, proto_converter, source)?;
                Ok(DataSourceExec::from_data_source(config))
            }
            Some((MAP_INPUT, payload)) => {
                let format: InputFormat = serde_json::from_slice(payload).map_err(|e| codec_error("decode a map input", e))?;
                Ok(Arc::new(MapInputExec::new(only_input(inputs)?, format)))
            }
            Some((TRANSFORM, payload)) => {
                let node = TransformNode::decode(payload).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                let schema = node.schema.as_ref().ok_or_else(|| codec_error("decode a TRANSFORM", "no schema"))?;
                let schema = Arc::new(arrow::datatypes::Schema::try_from(schema)?);
                let projection = node.projection.iter().map(|&p| p as usize).collect();
                let format = ScriptFormat::from_marker(&node.format).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                Ok(Arc::new(TransformExec::new(only_input(inputs)?, node.command, schema, node.default_columns, projection)?.with_format(format)))
            }
            Some((MAPREDUCE_TASK, payload)) => {
                let (task, phase, key_fields, env): (Task, Phase, usize, Vec<(String, String)>) =
                    serde_json::from_slice(payload).map_err(|e| codec_error("decode a MapReduce task", e))?;
                Ok(Arc::new(TaskExec::with_key_fields(only_input(inputs)?, task, phase, key_fields).with_env(env)))
            }
            Some((PARTITION_KEY, payload)) => {
                let by: PartitionBy = serde_json::from_slice(payload).map_err(|e| codec_error("decode a partitioner", e))?;
                Ok(Arc::new(PartitionKeyExec::new(only_input(inputs)?, by)))
            }
            Some((MAPREDUCE_OUTPUT, payload)) => {
                let dir: PathBuf = serde_json::from_slice(payload).map_err(|e| codec_error("decode a MapReduce output", e))?;
                Ok(Arc::new(OutputExec::new(only_input(inputs)?, dir)))
            }
            Some((kind, _)) => Err(codec_error("decode a plan", format!("unknown kind {kind}"))),
            None => self.inner.try_decode(buf, inputs, ctx, proto_converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        if let Some((config, source)) = Self::text_scan(&node) {
            let message = TextScanNode {
                options: serde_json::to_vec(source.options()).map_err(|e| codec_error("encode text options", e))?,
                conf: Some(serialize_file_scan_config(config, self, proto_converter)?),
            };
            frame(TEXT_SCAN, &message.encode_to_vec(), buf);
            return Ok(());
        }
        if let Some(input) = node.downcast_ref::<MapInputExec>() {
            return frame_json(MAP_INPUT, &input.format(), buf);
        }
        if let Some(task) = node.downcast_ref::<TaskExec>() {
            return frame_json(MAPREDUCE_TASK, &(task.task(), task.phase(), task.key_fields(), task.env()), buf);
        }
        if let Some(partition) = node.downcast_ref::<PartitionKeyExec>() {
            return frame_json(PARTITION_KEY, partition.by(), buf);
        }
        if let Some(output) = node.downcast_ref::<OutputExec>() {
            return frame_json(MAPREDUCE_OUTPUT, output.dir(), buf);
        }
        if let Some(transform) = node.downcast_ref::<TransformExec>() {
            let (command, schema, default_columns, projection) = transform.parts();
            let message = TransformNode {
                command: command.to_string(),
                schema: Some(schema.as_ref().try_into()?),
                default_columns,
                projection: projection.iter().map(|&p| p as u64).collect(),
                format: transform.format().to_marker(),
            };
            frame(TRANSFORM, &message.encode_to_vec(), buf);
            return Ok(());
        }
        self.inner.try_encode(node, buf, proto_converter)
    }






}
