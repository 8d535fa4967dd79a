//! Workspace queries on an Apache DataFusion Ballista cluster, for data that outgrow one
//! machine: a scheduler plans each query into stages and executors run them next to the
//! files.
//!
//! The server plans and checks every query as before (one `SELECT`, only the snapshot's
//! tables) and hands the checked plan to the scheduler at `df://HOST:PORT`. Workspace files
//! are sealed, and DataFusion's plan serialisation does not carry decryption keys, which is
//! as it should be: no key crosses the network. Instead every executor is this program,
//! started with the platform's key provider ([`executor`]); before it runs a stage it gives
//! each Parquet scan a decryption factory that finds the file's workspace in its path
//! (`…/WORKSPACE/snapshots/N/TABLE.parquet`) and asks the key provider for that workspace's
//! data key. The scheduler only lists files (statistics are off, so it never reads an
//! encrypted footer). Scheduler and executors belong inside the secure zone, with the server.

use crate::pseudo::{KeyError, KeyProvider};
use crate::storage::ObjectStoreRef;
use ballista_core::JobId;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_executor::execution_engine::{
    DefaultExecutionEngine, ExecutionEngine, QueryStageExecutor,
};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::config::EncryptionFactoryOptions;
use datafusion::datasource::physical_plan::{FileScanConfig, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::parquet_encryption::EncryptionFactory;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use parquet::encryption::decrypt::FileDecryptionProperties;
use parquet::encryption::encrypt::FileEncryptionProperties;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A session whose queries run on the cluster at `url` (`df://HOST:PORT`), with `config`
/// and `runtime` as an in-process session would have them.
pub async fn remote(
    url: &str,
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
) -> Result<SessionContext> {
    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    let mut config = config.upgrade_for_ballista();
    // The scheduler lists files and never opens them: it holds no key.
    config.options_mut().execution.collect_statistics = false;
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    SessionContext::remote_with_state(url, state).await
}

/// The workspace a sealed file belongs to: the folder before `snapshots/N/` in its path.
fn workspace_of(path: &str) -> Option<&str> {
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(4).find_map(|w| {
        (w[1] == "snapshots" && w[2].parse::<u64>().is_ok() && w[3].ends_with(".parquet"))
            .then_some(w[0])
    })
}

/// Decryption properties for each workspace file, from its workspace's data key.
#[derive(Clone)]
pub struct SealedFiles {
    keys: Arc<dyn KeyProvider>,
}

impl std::fmt::Debug for SealedFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedFiles").finish_non_exhaustive()
    }
}

impl SealedFiles {
    pub fn new(keys: Arc<dyn KeyProvider>) -> Self {
        Self { keys }
    }
}

#[async_trait::async_trait]
impl EncryptionFactory for SealedFiles {
    async fn get_file_encryption_properties(
        &self,
        _config: &EncryptionFactoryOptions,
        _schema: &arrow::datatypes::SchemaRef,
        _file_path: &object_store::path::Path,
    ) -> Result<Option<Arc<FileEncryptionProperties>>> {
        // Executors only read workspaces.
        Err(DataFusionError::Plan(
            "workspace files are not written on the cluster".into(),
        ))
    }

    async fn get_file_decryption_properties(
        &self,
        _config: &EncryptionFactoryOptions,
        file_path: &object_store::path::Path,
    ) -> Result<Option<Arc<FileDecryptionProperties>>> {
        let path = file_path.as_ref();
        let ws = workspace_of(path)
            .ok_or_else(|| DataFusionError::Plan(format!("{path} is not a workspace file")))?;
        match self.keys.data_key(ws, false) {
            Ok(key) => {
                let props = key
                    .decryption_properties()
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                Ok(Some(props))
            }
            // Written before encryption at rest: plain.
            Err(KeyError::NoDataKey) => Ok(None),
            Err(e) => Err(DataFusionError::Plan(format!("workspace {ws}: {e}"))),
        }
    }
}

/// The executors' engine: every Parquet scan of a stage gets the workspace keys' factory,
/// then DataFusion's engine runs it.
struct SealedEngine {
    inner: DefaultExecutionEngine,
    files: Arc<SealedFiles>,
}

impl SealedEngine {
    fn with_keys(&self, plan: Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
        let exec = plan.downcast_ref::<DataSourceExec>()?;
        let scan = exec.data_source().downcast_ref::<FileScanConfig>()?;
        let parquet = scan.file_source().downcast_ref::<ParquetSource>()?;
        let source = parquet
            .clone()
            .with_encryption_factory(self.files.clone() as Arc<dyn EncryptionFactory>);
        let scan = FileScanConfigBuilder::from(scan.clone())
            .with_source(Arc::new(source))
            .build();
        Some(DataSourceExec::from_data_source(scan))
    }
}

impl ExecutionEngine for SealedEngine {
    fn create_query_stage_exec(
        &self,
        job_id: JobId,
        stage_id: usize,
        task_id: usize,
        partitions: Vec<usize>,
        plan: Arc<dyn ExecutionPlan>,
        work_dir: &str,
        config: &SessionConfig,
    ) -> Result<Arc<dyn QueryStageExecutor>> {
        let plan = plan
            .transform_up(|p| {
                Ok(match self.with_keys(p.clone()) {
                    Some(sealed) => Transformed::yes(sealed),
                    None => Transformed::no(p),
                })
            })?
            .data;
        self.inner.create_query_stage_exec(
            job_id, stage_id, task_id, partitions, plan, work_dir, config,
        )
    }
}

/// A runtime for the cluster's sessions that reaches the workspaces' object store.
fn runtime_with(stores: &[ObjectStoreRef]) -> Result<Arc<RuntimeEnv>> {
    let runtime = RuntimeEnvBuilder::new().build_arc()?;
    for s in stores {
        runtime.register_object_store(&s.url, s.store.clone());
    }
    Ok(runtime)
}

/// Runs a scheduler on `listener` until the process ends. Its state is in memory; the
/// executors poll it for work. `stores`: the workspaces' object storage, for listing files.
pub async fn scheduler(
    listener: tokio::net::TcpListener,
    stores: Vec<ObjectStoreRef>,
) -> ballista_core::error::Result<()> {
    let addr = listener.local_addr()?;
    let runtime = runtime_with(&stores)?;
    let config = Arc::new(SchedulerConfig {
        bind_host: addr.ip().to_string(),
        external_host: addr.ip().to_string(),
        bind_port: addr.port(),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        override_session_builder: Some(Arc::new(move |config: SessionConfig| {
            Ok(SessionStateBuilder::new()
                .with_config(config)
                .with_runtime_env(runtime.clone())
                .with_default_features()
                .build())
        })),
        ..Default::default()
    });
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let server = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config).await?;
    start_grpc_service_with_listener(listener, server).await
}

/// Where an executor listens and whom it serves.
#[derive(Debug, Clone)]
pub struct ExecutorSetup {
    pub scheduler: SocketAddr,
    /// Its Arrow Flight address, for other executors and the server to fetch results from.
    pub flight: SocketAddr,
    /// Its scratch folder for intermediate results (pseudonymised rows: keep it on the
    /// secure zone's encrypted disk).
    pub work_dir: PathBuf,
    pub cores: usize,
}

/// Runs an executor until the process ends: it polls the scheduler for tasks and reads
/// sealed workspace files with keys from `keys`.
pub async fn executor(
    setup: ExecutorSetup,
    keys: Arc<dyn KeyProvider>,
    stores: Vec<ObjectStoreRef>,
) -> ballista_core::error::Result<()> {
    let files = Arc::new(SealedFiles::new(keys));
    let stores = Arc::new(stores);
    let config = ExecutorProcessConfig {
        bind_host: setup.flight.ip().to_string(),
        external_host: Some(setup.flight.ip().to_string()),
        port: setup.flight.port(),
        scheduler_host: setup.scheduler.ip().to_string(),
        scheduler_port: setup.scheduler.port(),
        scheduler_connect_timeout_seconds: 30,
        vcores: setup.cores.max(1),
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir: Some(setup.work_dir.to_string_lossy().into_owned()),
        override_execution_engine: Some(Arc::new(SealedEngine {
            inner: DefaultExecutionEngine::new(),
            files,
        })),
        override_runtime_producer: Some(Arc::new(move |_config: &SessionConfig| {
            runtime_with(&stores)
        })),
        ..Default::default()
    };
    start_executor_process(Arc::new(config)).await
}

#[cfg(test)]
mod tests {
    use super::workspace_of;

    #[test]
    fn a_files_workspace_is_the_folder_before_its_snapshot() {
        assert_eq!(
            workspace_of("var/workspaces/ws-3f2a/snapshots/12/lpr_adm.parquet"),
            Some("ws-3f2a")
        );
        assert_eq!(
            workspace_of("prod/ws-1/snapshots/1/own_survey.parquet"),
            Some("ws-1")
        );
        for other in [
            "var/registers/lpr_adm/2019.parquet",
            "ws-1/snapshots/x/t.parquet",
            "ws-1/snapshots/1/t.csv",
            "snapshots/1/t.parquet",
        ] {
            assert_eq!(workspace_of(other), None, "{other}");
        }
    }
}
