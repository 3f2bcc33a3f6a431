//! A job as a plan. [`JobPlan`] is everything the job's tasks need, as plain
//! data; [`MapReduceNode`] carries it in a logical plan, so a job goes where
//! a query goes (the embedded engine, or the cluster's scheduler, which
//! receives it through [`super::codec`]); [`JobPlanner`] turns it
//! into the physical plan exactly as written. The optimizer is left out on
//! purpose: its distribution rules would replace the shuffle into the job's
//! N reducers with one into the session's partition count.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, DFSchemaRef};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, Extension, LogicalPlan, UserDefinedLogicalNodeCore};
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use serde::{Deserialize, Serialize};

use super::input::{InputFile, InputFormat, MapInputExec, Split, splits, splits_source};
use super::output::OutputExec;
use super::partition::{PartitionBy, PartitionKeyExec, partitioned_schema};
use super::task::{Phase, Task, TaskExec};
use super::{JobSpec, MAX_MAP_TASKS, pair_schema};
use crate::error::{Error, Result};
use enma_engine::extension::RootPlanner;

/// A job ready to run: its splits, its tasks and where its files go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Serialize, Deserialize)]
pub struct JobPlan {
    pub splits: Vec<Split>,
    pub mapper: Task,
    pub combiner: Option<Task>,
    /// `None`: a map-only job.
    pub reducer: Option<Task>,
    pub reducers: usize,
    /// The directory the output files are written to.
    pub output: PathBuf,
    /// Tab-separated fields of a streaming mapper's output line that are its key.
    pub key_fields: usize,
    pub partition_by: Option<PartitionBy>,
    /// Environment variables for the streaming commands.
    pub env: Vec<(String, String)>,
}

impl JobPlan {
    /// Splits the input files (see [`super::input::input_files`]); splits default to the input spread over `target_partitions`
    /// (the task slots that will run them), 1 MiB to 128 MiB each.
    pub fn new(job: &JobSpec, files: &[InputFile], output: PathBuf, target_partitions: usize) -> Result<Self> {
        let reducer = job.reducer.clone().filter(|_| job.reducers > 0);
        let mut plan = JobPlan {
            splits: vec![],
            mapper: job.mapper.clone(),
            combiner: job.combiner.clone(),
            reducer,
            reducers: job.reducers,
            output,
            key_fields: job.key_fields.max(1),
            partition_by: job.partition_by.clone(),
            env: job.cmdenv.clone(),
        };
        if job.input_table.is_some() {
            // The table's own scan decides the map tasks.
            return Ok(plan);
        }
        let total: u64 = files.iter().map(|f| f.size).sum();
        if files.len() > MAX_MAP_TASKS {
            return Err(too_many_map_tasks(format!("the input is {} files", files.len())));
        }
        let count = |bytes: u64| files.iter().map(|f| f.size.div_ceil(bytes.max(1))).sum::<u64>();
        let split_bytes = match job.split_bytes {
            Some(bytes) => bytes,
            None => {
                // Past 128 MiB per split only when the input would need more than MAX_MAP_TASKS splits.
                let mut bytes = (total / target_partitions.max(1) as u64 + 1).clamp(1 << 20, 128 << 20);
                while count(bytes) > MAX_MAP_TASKS as u64 {
                    bytes = bytes.saturating_mul(2);
                }
                bytes
            }
        };
        if count(split_bytes) > MAX_MAP_TASKS as u64 {
            return Err(too_many_map_tasks(format!(
                "{split_bytes}-byte splits of the input make {} map tasks",
                count(split_bytes)
            )));
        }
        plan.splits = splits(files, split_bytes);
        if plan.splits.is_empty() {
            return Err(Error::plan("the input files are empty"));
        }
        Ok(plan)
    }

    /// How many output files the job writes.
    pub fn parts(&self) -> usize {
        if self.reducer.is_some() { self.reducers } else { self.splits.len() }
    }

    pub fn input_bytes(&self) -> u64 {
        self.splits.iter().map(|s| s.end - s.start).sum()
    }

    /// The job as a logical plan; `input`, when the job reads a table's rows, plans them.
    pub fn into_logical(self, input: Option<LogicalPlan>) -> LogicalPlan {
        LogicalPlan::Extension(Extension { node: Arc::new(MapReduceNode { job: self, input }) })
    }

    /// Input (the splits, or `rows`) → map → (combine) → shuffle by key → sort by key → reduce → output files.
    pub fn physical(&self, rows: Option<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        let mut plan: Arc<dyn ExecutionPlan> = match rows {
            Some(rows) => Arc::new(MapInputExec::new(rows, InputFormat::TableRows)),
            None => Arc::new(MapInputExec::new(splits_source(&self.splits)?, InputFormat::Text)),
        };
        let task = |input, task: &Task, phase| {
            Arc::new(TaskExec::with_key_fields(input, task.clone(), phase, self.key_fields).with_env(self.env.clone()))
        };
        plan = task(plan, &self.mapper, Phase::Map);
        if let Some(reducer) = &self.reducer {
            if let Some(combiner) = &self.combiner {
                // Rust combiners fold values in a hash table; commands read sorted input, as in Hadoop.
                let input = match combiner {
                    Task::Command(_) => sorted_by_key(plan)?,
                    _ => plan,
                };
                plan = task(input, combiner, Phase::Combine);
            }
            let by = match &self.partition_by {
                Some(by) => {
                    plan = Arc::new(PartitionKeyExec::new(plan, by.clone()));
                    col("partition", &partitioned_schema())?
                }
                None => col("key", &pair_schema())?,
            };
            plan = Arc::new(RepartitionExec::try_new(plan, Partitioning::Hash(vec![by], self.reducers))?);
            plan = task(sorted_by_key(plan)?, reducer, Phase::Reduce);
        }
        Ok(Arc::new(OutputExec::new(plan, self.output.clone())))
    }
}

fn too_many_map_tasks(what: String) -> Error {
    Error::plan(format!(
        "{what}, more than the {MAX_MAP_TASKS} map tasks a job may have (each file is at least one): \
         every map task of a job runs at once in this process and keeps files open; merge small files first"
    ))
}

fn sorted_by_key(input: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    let key = col("key", &pair_schema())?;
    let ordering = LexOrdering::new(vec![PhysicalSortExpr::new_default(key)])
        .ok_or_else(|| Error::internal("a MapReduce sort with no key"))?;
    Ok(Arc::new(SortExec::new(ordering, input).with_preserve_partitioning(true)))
}

/// A MapReduce job in a logical plan, whose rows are the output files'
/// names and counters; its input is a table's rows or none (files).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd)]
pub struct MapReduceNode {
    pub job: JobPlan,
    pub input: Option<LogicalPlan>,
}

impl UserDefinedLogicalNodeCore for MapReduceNode {
    fn name(&self) -> &str {
        "MapReduce"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        self.input.iter().collect()
    }

    #[expect(clippy::expect_used, reason = "the pair schema is a constant of two named Utf8 fields")]
    fn schema(&self) -> &DFSchemaRef {
        static SCHEMA: LazyLock<DFSchemaRef> =
            LazyLock::new(|| Arc::new(DFSchema::try_from(pair_schema().as_ref().clone()).expect("pair schema")));
        &SCHEMA
    }

    fn expressions(&self) -> Vec<Expr> {
        vec![]
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "MapReduce: {} splits, mapper {}, reducers {}",
            self.job.splits.len(),
            self.job.mapper,
            self.job.reducers
        )
    }

    fn with_exprs_and_inputs(&self, _exprs: Vec<Expr>, inputs: Vec<LogicalPlan>) -> DfResult<Self> {
        Ok(MapReduceNode { job: self.job.clone(), input: inputs.into_iter().next() })
    }
}

/// Plans MapReduce jobs as written (everything else is left to DataFusion's planner).
#[derive(Debug, Default)]
pub struct JobPlanner;

#[async_trait]
impl RootPlanner for JobPlanner {
    async fn plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
        if let LogicalPlan::Extension(extension) = logical_plan
            && let Some(node) = extension.node.as_any().downcast_ref::<MapReduceNode>()
        {
            // A table's rows are planned (and optimized) as any query; the job on top as written.
            let rows = match &node.input {
                Some(input) => Some(DefaultPhysicalPlanner::default().create_physical_plan(input, session).await?),
                None => None,
            };
            return Ok(Some(node.job.physical(rows)?));
        }
        Ok(None)
    }
}
