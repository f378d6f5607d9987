// official_client.mjs — times what Polymarket's official TypeScript client
// (@polymarket/clob-client-v2 1.1.0, installed in conformance/node_modules)
// spends to produce one signed FOK BUY order, its POST /order body and its
// L2 headers, with no network. `make bench` runs it next to the Go
// benchmarks (BenchmarkOrderTemplateHit, BenchmarkOrderSignNow) and puts the
// ratio in bench/RESULTS.md.
//
// Usage: node bench/official_client.mjs [iterations] [warmup]
// Prints one JSON object: iterations, median_ns, p90_ns, p99_ns, mean_ns,
// min_ns, node version, client version.
//
// What one iteration is, all from the client:
//   OrderBuilder.buildMarketOrder — what ClobClient.createMarketOrder ends in
//   once tick size, neg-risk and version are known (createMarketOrder itself
//   fetches them over the network first): amounts (getMarketOrderRawAmounts +
//   parseUnits), salt, EIP-712 typed data and the ethers signature;
//   orderToJsonV2 + JSON.stringify — the body postOrder sends;
//   createL2Headers — the HMAC and the five POLY_* headers.
// Token ids and prices rotate over a small fixed set (deterministic).
import { createRequire } from "node:module";

const require = createRequire(new URL("../conformance/package.json", import.meta.url));
const { OrderBuilder, orderToJsonV2, createL2Headers } = require("@polymarket/clob-client-v2");
const { Wallet } = require("ethers");
const { readFileSync } = require("node:fs");
const clientVersion = JSON.parse(readFileSync(new URL("../conformance/node_modules/@polymarket/clob-client-v2/package.json", import.meta.url))).version;

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account 0 (public test key)
const iterations = Number(process.argv[2] ?? 1000);
const warmup = Number(process.argv[3] ?? 100);
if (!(iterations > 0) || !(warmup >= 0)) {
  console.error("usage: node bench/official_client.mjs [iterations>0] [warmup>=0]");
  process.exit(2);
}

const wallet = new Wallet(KEY);
const builder = new OrderBuilder(wallet, 137, 0);
const creds = { key: "0b7d1c2e-5f3a-4c6b-9d8e-7a1f2b3c4d5e", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=", passphrase: "p" };
const tokens = [
  "71321045679252212594626385532706912750332728571942532289631379312455583992563",
  "52114319501245915516055106046884209969926127482827954674443846427813813222426",
  "28405142236086410419594957547105853120304748017652952473376042048321575835959",
];
const prices = [0.33, 0.25, 0.12, 0.47, 0.08];

async function one(i) {
  const price = prices[i % prices.length];
  const order = await builder.buildMarketOrder(
    { tokenID: tokens[i % tokens.length], price, amount: 50 * price, side: "BUY", orderType: "FOK" },
    { tickSize: "0.01", negRisk: true }, 2);
  const body = JSON.stringify(orderToJsonV2(order, creds.key, "FOK", false, false));
  const h = await createL2Headers(wallet, creds, { method: "POST", requestPath: "/order", body }, Math.floor(Date.now() / 1000));
  if (!h.POLY_SIGNATURE || body.length < 100) throw new Error("client produced no request");
  return body.length;
}

for (let i = 0; i < warmup; i++) await one(i);
const ns = new Array(iterations);
let bytes = 0;
for (let i = 0; i < iterations; i++) {
  const t0 = process.hrtime.bigint();
  bytes += await one(i);
  ns[i] = Number(process.hrtime.bigint() - t0);
}
ns.sort((a, b) => a - b);
const q = (p) => ns[Math.min(ns.length - 1, Math.ceil(p * ns.length) - 1)];
console.log(JSON.stringify({
  iterations, warmup, median_ns: q(0.5), p90_ns: q(0.9), p99_ns: q(0.99), min_ns: ns[0],
  mean_ns: Math.round(ns.reduce((a, b) => a + b, 0) / ns.length), body_bytes: Math.round(bytes / iterations),
  node: process.version, client: "@polymarket/clob-client-v2 " + clientVersion,
}));
