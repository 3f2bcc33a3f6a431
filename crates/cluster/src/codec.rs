//! Plans to bytes and back for the cluster: what Ballista's codecs cannot
//! encode on their own belongs to an extension of the engine (the engine's
//! Hive tables, MapReduce's operators, TRANSFORM), and each extension's
//! [`ExtensionCodec`] encodes its own; everything else is left to Ballista's.
//!
//! An extension's payload is framed as `\0ENMA`, the length of the codec's
//! name, the name, then the codec's bytes. A frame starts with a zero byte,
//! which no protobuf message can start with (field number 0 does not
//! exist), so it never collides with what the wrapped Ballista codecs write.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::catalog::TableProvider;
use datafusion::common::{Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use enma_engine::codec::codec_error;
use enma_engine::extension::ExtensionCodec;

/// Marks a payload as an extension's; the codec's name follows.
const MAGIC: &[u8] = b"\0ENMA";

/// The extensions' codecs, by the names their payloads carry.
#[derive(Debug, Clone, Default)]
struct Codecs(Vec<Arc<dyn ExtensionCodec>>);

/// The codec a payload names, and the codec's bytes.
type Framed<'c, 'a> = (&'c Arc<dyn ExtensionCodec>, &'a [u8]);

impl Codecs {
    /// The codec a payload names, and its bytes; `None` if the payload is not an extension's.
    fn framed<'a>(&self, buf: &'a [u8]) -> Option<Result<Framed<'_, 'a>>> {
        let rest = buf.strip_prefix(MAGIC)?;
        let Some((&len, rest)) = rest.split_first() else {
            return Some(Err(codec_error("decode a plan", "truncated frame")));
        };
        let Some((name, payload)) = rest.split_at_checked(len as usize) else {
            return Some(Err(codec_error("decode a plan", "truncated frame")));
        };
        let codec = self.0.iter().find(|c| c.name().as_bytes() == name);
        Some(codec.map(|c| (c, payload)).ok_or_else(|| {
            codec_error("decode a plan", format!("no codec '{}' is registered here", String::from_utf8_lossy(name)))
        }))
    }

    /// Tries each codec in turn: the first that takes the value writes it behind its frame.
    fn encode(
        &self,
        buf: &mut Vec<u8>,
        mut encode: impl FnMut(&dyn ExtensionCodec, &mut Vec<u8>) -> Result<bool>,
    ) -> Result<bool> {
        for codec in &self.0 {
            let name = codec.name().as_bytes();
            let start = buf.len();
            buf.extend_from_slice(MAGIC);
            buf.push(u8::try_from(name.len()).map_err(|_| codec_error("encode a plan", "codec name too long"))?);
            buf.extend_from_slice(name);
            if encode(codec.as_ref(), buf)? {
                return Ok(true);
            }
            buf.truncate(start);
        }
        Ok(false)
    }
}

/// Logical plans: the extensions' nodes and tables, then Ballista's own nodes and file formats.
#[derive(Debug)]
pub struct EnmaLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
    codecs: Codecs,
}

impl EnmaLogicalCodec {
    pub fn new(codecs: Vec<Arc<dyn ExtensionCodec>>) -> Self {
        Self { inner: BallistaLogicalExtensionCodec::default(), codecs: Codecs(codecs) }
    }
}

impl LogicalExtensionCodec for EnmaLogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        match self.codecs.framed(buf) {
            Some(framed) => {
                let (codec, payload) = framed?;
                codec.decode_node(payload, inputs, ctx)
            }
            None => self.inner.try_decode(buf, inputs, ctx),
        }
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        if self.codecs.encode(buf, |codec, buf| codec.encode_node(node, buf))? {
            return Ok(());
        }
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match self.codecs.framed(buf) {
            Some(framed) => {
                let (codec, payload) = framed?;
                codec.decode_table(payload, schema, ctx, self)
            }
            None => self.inner.try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if self.codecs.encode(buf, |codec, buf| codec.encode_table(table_ref, &node, buf, self))? {
            return Ok(());
        }
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }
}

/// Physical plans: the extensions' operators, then Ballista's shuffle nodes and DataFusion's own.
#[derive(Debug)]
pub struct EnmaPhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
    codecs: Codecs,
}

impl EnmaPhysicalCodec {
    pub fn new(codecs: Vec<Arc<dyn ExtensionCodec>>) -> Self {
        Self { inner: BallistaPhysicalExtensionCodec::default(), codecs: Codecs(codecs) }
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
        match self.codecs.framed(buf) {
            Some(framed) => {
                let (codec, payload) = framed?;
                codec.decode_exec(payload, inputs, ctx, self, proto_converter)
            }
            None => self.inner.try_decode(buf, inputs, ctx, proto_converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        if self.codecs.encode(buf, |codec, buf| codec.encode_exec(&node, buf, self, proto_converter))? {
            return Ok(());
        }
        self.inner.try_encode(node, buf, proto_converter)
    }
}
