//! IAM proven offline: every AWS call of a local run, checked against the policy that makes it in AWS.
//!
//! moto accepts any call, so a missing `kms:Decrypt` or a mistyped ARN would
//! otherwise be found at the first real deploy. This crate replays every AWS call a run of the
//! local stack made — as tools/moto_server.py logged it, with the resources and condition keys IAM
//! looks at — against the policies that call is made with in AWS:
//!
//! * a function's calls (`hookway-intake`, `hookway-worker`) against its role in the template the
//!   CDK app synthesises for the run's configuration ([`template`]), every intrinsic resolved to the
//!   local stack's names;
//! * Lambda's own calls for a function — its event source mapping's receives and deletes, its
//!   on-failure destination's send — against that function's role, as Lambda makes them with it;
//! * the operator commands' calls (`hookway-cli`) against `docs/operator-policy.json`.
//!
//! Each call becomes the requests AWS makes of IAM ([`calls`]); each request is evaluated as IAM
//! evaluates identity policies ([`policy`]); the [`check`] reports what would be denied, and every
//! grant no call used. [`local`] runs it on a local stack: `make iam` on a running `make dev`, and
//! the end-to-end test at the end of its run.

pub mod calls;
pub mod check;
pub mod local;
pub mod policy;
pub mod template;

pub use check::{Caller, Denial, Grant, Reason, Report, check};
