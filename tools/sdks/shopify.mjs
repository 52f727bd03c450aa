// Shopify, with @shopify/shopify-api 15.0.0: `webhooks.validate` verifies X-Shopify-Hmac-Sha256
// (HMAC-SHA256 of the body with the app's client secret, base64). The SDK only verifies, so
// signing follows its own rule. validate also insists on the delivery headers Shopify always
// sends (topic, shop domain, API version, webhook id); they are not signed, so verify supplies
// them where the request at hand lacks them.
import { createHmac } from "node:crypto";
import "@shopify/shopify-api/adapters/node";
import { shopifyApi, ApiVersion, LogSeverity } from "@shopify/shopify-api";

export const SECRET = "shopify-app-client-secret";
export const BODY = JSON.stringify({
  id: 450789469,
  email: "jon@example.com",
  name: "#9999",
  total_price: "403.00",
  currency: "USD",
  created_at: "2023-11-14T17:13:20-05:00",
});

const DELIVERY = {
  "x-shopify-topic": "orders/create",
  "x-shopify-shop-domain": "example.myshopify.com",
  "x-shopify-api-version": "2025-01",
  "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
};

export function sign(secret, body, url, now) {
  const hmac = createHmac("sha256", secret).update(body).digest("base64");
  return {
    "X-Shopify-Hmac-Sha256": hmac,
    "X-Shopify-Topic": DELIVERY["x-shopify-topic"],
    "X-Shopify-Shop-Domain": DELIVERY["x-shopify-shop-domain"],
    "X-Shopify-API-Version": DELIVERY["x-shopify-api-version"],
    "X-Shopify-Webhook-Id": DELIVERY["x-shopify-webhook-id"],
  };
}

export async function verify(secret, body, url, headers) {
  const shopify = shopifyApi({
    apiKey: "unused",
    apiSecretKey: secret,
    hostName: "hookway.example",
    apiVersion: ApiVersion.January25,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: () => {} },
  });
  const rawRequest = { method: "POST", url: "/webhooks", headers: { ...DELIVERY, ...headers } };
  const result = await shopify.webhooks.validate({ rawBody: body.toString("utf8"), rawRequest, rawResponse: {} });
  return result.valid === true;
}
