//! `hookway jobs submit|status`: `POST /jobs` and `GET /jobs/{id}`, as a client calls them.

use std::process::ExitCode;

use serde_json::Value;

use crate::error::CliError;
use crate::output::{json_line, json_pretty, warnln};
use crate::stack::StackArgs;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Submit a job; prints the answer on one line, `{"jobId": ..., "status": "ACCEPTED"}`.
    Submit {
        /// The job: `{"type": "...", "payload": ...}`.
        #[arg(value_name = "JSON")]
        job: String,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// A job's status, as `GET /jobs/{id}` answers it; exits 1 if there is no such job.
    Status {
        /// The job's id.
        #[arg(value_name = "ID")]
        id: String,
        /// Print the answer as one line of JSON: `jobId`, `status`, `type`, `attempts`, ….
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        api: ApiArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct ApiArgs {
    /// The jobs API key (`aws apigateway get-api-key --include-value --api-key <ApiKeyId output>`);
    /// the local stack needs none.
    #[arg(long, value_name = "KEY", env = "HOOKWAY_API_KEY")]
    api_key: Option<String>,
    #[command(flatten)]
    stack: StackArgs,
}

pub async fn run(command: Command) -> Result<ExitCode, CliError> {
    let client = reqwest::Client::new();
    // Submit's answer is one line of JSON; status's, with --json.
    let json = matches!(command, Command::Submit { .. } | Command::Status { json: true, .. });
    let (request, api) = match &command {
        Command::Submit { job, api } => {
            let job: Value =
                serde_json::from_str(job).map_err(|error| CliError::Usage(format!("the job is not JSON: {error}")))?;
            let url = format!("{}/jobs", api.base_url().await?);
            (client.post(url).json(&job), api)
        }
        Command::Status { id, api, .. } => (client.get(format!("{}/jobs/{id}", api.base_url().await?)), api),
    };
    let request = match &api.api_key {
        Some(key) => request.header("x-api-key", key),
        None => request,
    };
    let response = request.send().await.map_err(|error| CliError::Http(error.to_string()))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        if json {
            json_line(&body)?
        } else {
            json_pretty(&body)?
        }
        return Ok(ExitCode::SUCCESS);
    }
    warnln!("{status}: {body}");
    if status == reqwest::StatusCode::FORBIDDEN && api.api_key.is_none() && !api.stack.is_local() {
        warnln!("the deployed API needs its key: --api-key or HOOKWAY_API_KEY");
    }
    Ok(ExitCode::FAILURE)
}

impl ApiArgs {
    async fn base_url(&self) -> Result<String, CliError> {
        Ok(self.stack.resolve().await?.api_url)
    }
}
