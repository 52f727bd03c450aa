"""Crossmint, with svix (tools/requirements.txt), the library Crossmint's docs verify its webhooks
with: Webhook(secret).verify over the svix-* headers; signing uses the same library's Webhook.sign."""

from support.svix_library import sign, verify  # noqa: F401 (this case's sign and verify)

SECRET = "whsec_Y3Jvc3NtaW50LXdlYmhvb2stdGVzdC1rZXk="
BODY = '{"type":"orders.payment.succeeded","payload":{"orderId":"b2959ca5-65e4-466a-bd26-1bd05cb4f837","phase":"delivery","locale":"en-US","lineItems":[{"chain":"polygon-amoy","quantity":1,"callData":{"quantity":1},"delivery":{"status":"awaiting-payment","recipient":{"locator":"email:buyer@example.com:polygon-amoy","email":"buyer@example.com"}}}],"quote":{"status":"valid","totalPrice":{"amount":"1.00","currency":"usd"}},"payment":{"status":"completed","method":"stripe-payment-element","currency":"usd"}}}'
