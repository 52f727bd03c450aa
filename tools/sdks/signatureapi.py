"""SignatureAPI, whose docs point receivers to the Standard Webhooks libraries: standardwebhooks signs
and verifies."""

from support.standard_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_c2lnbmF0dXJlYXBpLXRlc3Qtc2VjcmV0LTAwMQ=="
BODY = '{"id":"evt_4p2oouvNvjp1I9ckgqycH2","type":"recipient.completed","timestamp":"2025-12-31T15:00:01.999Z","data":{"envelope_id":"e387553d-cbb7-4924-abd8-b2d89699e9b5","envelope_metadata":{"customer_ref":"x9550501","account_annual_revenue":"$4,500,000"},"object_id":"re_7v7Sion0vqjJioYmwfZ9mf","object_type":"recipient","recipient_type":"signer"}}'
