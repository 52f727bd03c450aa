"""Supabase Auth hooks sign with Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`), and Supabase's examples verify them with the specification's own library,
standardwebhooks, which signs and verifies here. Supabase shows the secret as `v1,whsec_…`; its
examples, like Hookway, take the part after `v1,`."""

import json

from support.standard_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_hR3c5yEGxK9tNpU2mWq8Lb4VzJd7Fs1A"
BODY = json.dumps(
    {
        "user": {"id": "8484b834-f29e-4af2-bf42-80644d154f76", "aud": "authenticated", "email": "valid.email@supabase.io"},
        "email_data": {
            "token": "305805",
            "token_hash": "7d5b7b1964cf5d388340a7f04f1dbb5eeb6c7b52ef8270e1737a58d0",
            "redirect_to": "http://localhost:3000/",
            "email_action_type": "signup",
            "site_url": "http://localhost:9999",
            "token_new": "",
            "token_hash_new": "",
        },
    },
    separators=(",", ":"),
)
