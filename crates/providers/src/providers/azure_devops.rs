//! Azure DevOps (service hooks, Web Hooks consumer): it signs nothing; the subscription's basic
//! authentication username and password arrive as `Authorization: Basic …` and are compared in
//! constant time. That authenticates the sender, not the body, and bounds no replay. The id and
//! type are the body's `id` and `eventType` (`git.push`).

use crate::spec::*;

/// Azure DevOps.
pub const PROVIDER: Provider = Provider {
    name: "azure-devops",
    title: "Azure DevOps",
    docs: "https://learn.microsoft.com/en-us/azure/devops/service-hooks/services/webhooks",
    setup: "In Azure DevOps, open Project settings > Service hooks > Create subscription > Web Hooks, paste `https://<api>/webhooks/<source>` as the URL and fill in Basic authentication username and password: the secret is `username:password`.",
    evidence: Evidence::Rule,
    spec: Spec {
        algorithm: Algorithm::Basic,
        signature: Carrier::Basic,
        signed: &[],
        id: Some(Locate::Pointer("/id")),
        event_type: Some(Locate::Pointer("/eventType")),
        secret: SecretFormat::UserPassword,
        ..Spec::BODY_HMAC
    },
};
