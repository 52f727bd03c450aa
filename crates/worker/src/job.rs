//! The jobs adapter: a `POST /jobs` job, invoked asynchronously by API Gateway, through the
//! pipeline. A failure is returned as the invocation's error, so Lambda retries the job and,
//! after its last attempt, records it in the jobs dead-letter queue.

use hookway_core::config::JOBS_SOURCE;
use hookway_core::dead_letter::DeadLetter;
use hookway_core::job::JobEvent;
use hookway_core::store::StateStore;
use serde::Serialize;
use serde_json::Value;

use crate::deadline::Deadline;
use crate::event::Event;
use crate::metrics::Metrics;
use crate::pipeline::Processed;
use crate::{Worker, WorkerError};

/// A job's answer to Lambda when it succeeded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDone {
    /// The job.
    pub job_id: String,
    /// `SUCCEEDED`.
    pub status: &'static str,
    /// Its result, when this invocation ran it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

impl<S: StateStore> Worker<S> {
    /// A job: through the pipeline; an error makes Lambda retry it.
    pub async fn job(&self, job: &JobEvent, deadline: Deadline) -> (Result<JobDone, WorkerError>, Metrics) {
        let mut metrics = Metrics::default();
        let event = match Event::from_job(job) {
            Ok(event) => event,
            Err(error) => {
                metrics.record(Some(JOBS_SOURCE), None, &Processed::Failed(error.to_string()));
                return (Err(error.into()), metrics);
            }
        };
        let job_id = event.id.clone();
        let processed = self.process(event, None, None, deadline).await;
        metrics.record(Some(JOBS_SOURCE), Some(job_id.as_str()), &processed);
        let done = match processed {
            Processed::Handled { result, .. } => Ok(JobDone { job_id, status: "SUCCEEDED", result }),
            Processed::Duplicate => Ok(JobDone { job_id, status: "SUCCEEDED", result: None }),
            Processed::Busy => {
                Err(WorkerError::JobFailed { job_id, reason: "it is running in another invocation".into() })
            }
            Processed::Failed(reason) | Processed::DeadLettered(DeadLetter { reason, .. }) => {
                Err(WorkerError::JobFailed { job_id, reason })
            }
            // A job does not wait in the events queue: Lambda retries it.
            Processed::Delayed { .. } | Processed::Waiting => {
                Err(WorkerError::JobFailed { job_id, reason: "put off: retried by Lambda".into() })
            }
            // Jobs have no ordering guard, and an unrouted job fails (see the pipeline).
            Processed::StaleSkipped | Processed::Unrouted => Ok(JobDone { job_id, status: "SUCCEEDED", result: None }),
        };
        (done, metrics)
    }
}
