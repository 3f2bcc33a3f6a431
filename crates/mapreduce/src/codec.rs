//! MapReduce's and TRANSFORM's plans on their way to a cluster: a job
//! carries its [`JobPlan`]; a TRANSFORM carries its input plan, so the
//! scheduler plans the input and the command runs on the executors.
//! MapReduce's operators (tasks, output files) are plain data, sent as
//! JSON; their input splits are rows of an in-memory source, which
//! DataFusion's codec carries and Ballista's scheduler slices so each task
//! reads only its own.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{Result, TableReference};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::{AsLogicalPlan, LogicalExtensionCodec};
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use datafusion_proto::protobuf::LogicalPlanNode;
use prost::Message;

use super::input::{InputFormat, MapInputExec};
use super::output::OutputExec;
use super::partition::{PartitionBy, PartitionKeyExec};
use super::plan::{JobPlan, MapReduceNode};
use super::task::{Phase, Task, TaskExec};
use super::transform::{TransformExec, TransformTable};
use enma_engine::codec::codec_error;
use enma_engine::extension::ExtensionCodec;
use enma_hive::transform::ScriptFormat;

/// What follows the kind byte of a payload.
const MAP_INPUT: u8 = 1;
const MAPREDUCE_TASK: u8 = 2;
const MAPREDUCE_OUTPUT: u8 = 3;
const TRANSFORM: u8 = 4;
const PARTITION_KEY: u8 = 5;

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

fn only_input(inputs: &[Arc<dyn ExecutionPlan>]) -> Result<Arc<dyn ExecutionPlan>> {
    match inputs {
        [input] => Ok(input.clone()),
        _ => Err(codec_error("decode a plan", format!("expected one input, got {}", inputs.len()))),
    }
}

/// Operators that are plain data travel as JSON, behind their kind.
fn write_json<T: serde::Serialize + ?Sized>(kind: u8, value: &T, buf: &mut Vec<u8>) -> Result<bool> {
    buf.push(kind);
    serde_json::to_writer(buf, value).map_err(|e| codec_error("encode an operator", e))?;
    Ok(true)
}

fn read_json<T: serde::de::DeserializeOwned>(payload: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(payload).map_err(|e| codec_error(what, e))
}

/// MapReduce jobs and TRANSFORM.
#[derive(Debug, Default)]
pub struct MapReduceCodec;

impl ExtensionCodec for MapReduceCodec {
    fn name(&self) -> &str {
        "mapreduce"
    }

    fn encode_node(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<bool> {
        let Some(mapreduce) = node.node.as_any().downcast_ref::<MapReduceNode>() else { return Ok(false) };
        serde_json::to_writer(buf, &mapreduce.job).map_err(|e| codec_error("encode a MapReduce job", e))?;
        Ok(true)
    }

    fn decode_node(&self, buf: &[u8], inputs: &[LogicalPlan], _ctx: &TaskContext) -> Result<Extension> {
        let job: JobPlan = read_json(buf, "decode a MapReduce job")?;
        Ok(Extension { node: Arc::new(MapReduceNode { job, input: inputs.first().cloned() }) })
    }

    fn encode_table(
        &self,
        _table_ref: &TableReference,
        table: &Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
        logical: &dyn LogicalExtensionCodec,
    ) -> Result<bool> {
        let Some(table) = table.downcast_ref::<TransformTable>() else { return Ok(false) };
        let message = TransformTableNode {
            input: LogicalPlanNode::try_from_logical_plan(&table.input, logical)?.encode_to_vec(),
            command: table.command.clone(),
            default_columns: table.default_columns,
            format: table.format.to_marker(),
        };
        message.encode(buf).map_err(|e| codec_error("encode a TRANSFORM", e))?;
        Ok(true)
    }

    fn decode_table(
        &self,
        buf: &[u8],
        schema: SchemaRef,
        ctx: &TaskContext,
        logical: &dyn LogicalExtensionCodec,
    ) -> Result<Arc<dyn TableProvider>> {
        let node = TransformTableNode::decode(buf).map_err(|e| codec_error("decode a TRANSFORM", e))?;
        let input = LogicalPlanNode::decode(node.input.as_slice())
            .map_err(|e| codec_error("decode a TRANSFORM's input", e))?
            .try_into_logical_plan(ctx, logical)?;
        let format = ScriptFormat::from_marker(&node.format).map_err(|e| codec_error("decode a TRANSFORM", e))?;
        Ok(Arc::new(TransformTable {
            input,
            command: node.command,
            schema,
            default_columns: node.default_columns,
            format,
        }))
    }

    fn encode_exec(
        &self,
        node: &Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        _physical: &dyn PhysicalExtensionCodec,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<bool> {
        if let Some(input) = node.downcast_ref::<MapInputExec>() {
            return write_json(MAP_INPUT, &input.format(), buf);
        }
        if let Some(task) = node.downcast_ref::<TaskExec>() {
            return write_json(MAPREDUCE_TASK, &(task.task(), task.phase(), task.key_fields(), task.env()), buf);
        }
        if let Some(partition) = node.downcast_ref::<PartitionKeyExec>() {
            return write_json(PARTITION_KEY, partition.by(), buf);
        }
        if let Some(output) = node.downcast_ref::<OutputExec>() {
            return write_json(MAPREDUCE_OUTPUT, output.dir(), buf);
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
            buf.push(TRANSFORM);
            message.encode(buf).map_err(|e| codec_error("encode a TRANSFORM", e))?;
            return Ok(true);
        }
        Ok(false)
    }

    fn decode_exec(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        _ctx: &TaskContext,
        _physical: &dyn PhysicalExtensionCodec,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some((&kind, payload)) = buf.split_first() else {
            return Err(codec_error("decode a plan", "empty payload"));
        };
        match kind {
            MAP_INPUT => {
                let format: InputFormat = read_json(payload, "decode a map input")?;
                Ok(Arc::new(MapInputExec::new(only_input(inputs)?, format)))
            }
            TRANSFORM => {
                let node = TransformNode::decode(payload).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                let schema = node.schema.as_ref().ok_or_else(|| codec_error("decode a TRANSFORM", "no schema"))?;
                let schema = Arc::new(arrow::datatypes::Schema::try_from(schema)?);
                let projection = node.projection.iter().map(|&p| p as usize).collect();
                let format =
                    ScriptFormat::from_marker(&node.format).map_err(|e| codec_error("decode a TRANSFORM", e))?;
                Ok(Arc::new(
                    TransformExec::new(only_input(inputs)?, node.command, schema, node.default_columns, projection)?
                        .with_format(format),
                ))
            }
            MAPREDUCE_TASK => {
                let (task, phase, key_fields, env): (Task, Phase, usize, Vec<(String, String)>) =
                    read_json(payload, "decode a MapReduce task")?;
                Ok(Arc::new(TaskExec::with_key_fields(only_input(inputs)?, task, phase, key_fields).with_env(env)))
            }
            PARTITION_KEY => {
                let by: PartitionBy = read_json(payload, "decode a partitioner")?;
                Ok(Arc::new(PartitionKeyExec::new(only_input(inputs)?, by)))
            }
            MAPREDUCE_OUTPUT => {
                let dir: PathBuf = read_json(payload, "decode a MapReduce output")?;
                Ok(Arc::new(OutputExec::new(only_input(inputs)?, dir)))
            }
            kind => Err(codec_error("decode a plan", format!("unknown MapReduce operator kind {kind}"))),
        }
    }
}
