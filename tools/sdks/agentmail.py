"""AgentMail: delivered by Svix, and verified as AgentMail's docs say, with svix's Webhook
(svix-id, svix-timestamp, svix-signature over "{id}.{timestamp}.{body}")."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"type":"event","event_type":"message.received","event_id":"evt_2f8c1d3e4a5b6c7d","message":{"inbox_id":"support@agentmail.to","thread_id":"thd_9a8b7c6d","message_id":"<0100018c@email.amazonses.com>","from":"Alice <alice@example.com>","to":["support@agentmail.to"],"subject":"Order question","text":"Where is my order?","timestamp":"2023-11-14T22:13:20.000Z"},"thread":{"inbox_id":"support@agentmail.to","thread_id":"thd_9a8b7c6d","subject":"Order question","message_count":1}}'
