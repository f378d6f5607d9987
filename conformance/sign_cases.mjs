// sign_cases.mjs — reference values from Polymarket's official client for
// hotpath's signing conformance test (sign/conformance_test.go).
//
// Usage: node conformance/sign_cases.mjs [seed] [orders] [amounts]
// Prints one JSON object: {orders:[…], batches:[…], amounts:[…], l1:[…],
// l2:[…], strings:[…]}. Everything is generated from the seed (mulberry32),
// Date.now and Math.random are pinned per order so that the client's salt
// and timestamp are reproducible; nothing touches the network.
//
// Sources of truth, all from @polymarket/clob-client-v2 1.1.0:
//   OrderBuilder.buildOrder / buildMarketOrder (amounts, order, signature),
//   ExchangeOrderBuilderV2.buildOrderHash (EIP-712 digest), orderToJsonV2 +
//   JSON.stringify (POST body, as postOrder/postOrders build it),
//   createL2Headers / createL1Headers (HMAC, ClobAuth), and for amounts-only
//   cases getOrderRawAmounts / getMarketOrderRawAmounts / priceValid +
//   viem parseUnits exactly as buildOrderCreationArgs chains them.
import { createRequire } from "node:module";
import { OrderBuilder, orderToJsonV2, createL1Headers, createL2Headers, getContractConfig } from "@polymarket/clob-client-v2";
import { ExchangeOrderBuilderV2, ExchangeOrderBuilderV3 } from "./node_modules/@polymarket/clob-client-v2/dist/order-utils/exchangeOrderBuilderV2.js";
import { getOrderRawAmounts } from "./node_modules/@polymarket/clob-client-v2/dist/order-builder/helpers/getOrderRawAmounts.js";
import { getMarketOrderRawAmounts } from "./node_modules/@polymarket/clob-client-v2/dist/order-builder/helpers/getMarketOrderRawAmounts.js";
import { ROUNDING_CONFIG } from "./node_modules/@polymarket/clob-client-v2/dist/order-builder/helpers/roundingConfig.js";
import { priceValid } from "./node_modules/@polymarket/clob-client-v2/dist/utilities.js";
import { parseUnits } from "viem";

const require = createRequire(import.meta.url);
const { Wallet } = require("ethers");

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const seed = Number(process.argv[2] ?? 1);
const nOrders = Number(process.argv[3] ?? 300);
const nAmounts = Number(process.argv[4] ?? 3000);

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(seed);
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const hex = (nBytes) => { let s = ""; for (let i = 0; i < nBytes; i++) s += int(256).toString(16).padStart(2, "0"); return s; };
const ZERO32 = "0x" + "0".repeat(64);
const TICKS = ["0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001"];

function tokenId() {
  switch (int(4)) {
    case 0: return BigInt("0x" + hex(int(4) + 1)).toString(); // small: a Protocol-V2 position id shape
    default: return BigInt("0x" + hex(32)).toString();
  }
}
function gridPrice(tick) {
  const t = parseFloat(tick);
  const steps = Math.round(1 / t);
  const k = 1 + int(steps - 1);
  const decimals = tick.length - 2;
  return parseFloat((k * t).toFixed(decimals));
}
function anyPrice(tick) {
  if (rnd() < 0.8) return gridPrice(tick);
  return parseFloat((0.0001 + rnd() * 0.9998).toFixed(1 + int(6)));
}
function quantity() {
  switch (int(5)) {
    case 0: return 1 + int(200);                                  // whole
    case 1: return parseFloat(((1 + int(2000000)) / 100).toFixed(2)); // 2 decimals
    case 2: return parseFloat(((1 + int(20000000)) / 1e4).toFixed(4)); // 4 decimals
    case 3: return parseFloat((rnd() * 5000).toFixed(int(7)));        // anything
    default: return pick([5, 10, 21.04, 12.8205, 2435.89, 19.1, 18233.33, 100, 1, 9.9996, 949.9971, 0.01, 0.05]);
  }
}

async function pinned(fn, now, random) {
  const dn = Date.now, mr = Math.random;
  Date.now = () => now; Math.random = () => random;
  try { return await fn(); } finally { Date.now = dn; Math.random = mr; }
}

const wallet = new Wallet(KEY);
const out = { orders: [], batches: [], amounts: [], l1: [], l2: [], strings: [] };

// --- signed orders ---------------------------------------------------------
for (let i = 0; i < nOrders; i++) {
  const chainId = pick([137, 80002]);
  const version = pick([2, 2, 3]);
  const negRisk = rnd() < 0.5;
  const sigType = int(4);
  const funder = sigType === 0 ? undefined : new Wallet("0x" + hex(32)).address; // checksummed like a user would pass
  const kind = rnd() < 0.5 ? "limit" : "market";
  const side = rnd() < 0.5 ? "BUY" : "SELL";
  const tick = pick(TICKS);
  const price = kind === "limit" ? anyPrice(tick) : gridPrice(tick);
  const qty = quantity();
  const tid = tokenId();
  const metadata = rnd() < 0.2 ? "0x" + hex(32) : undefined;
  const builderCode = rnd() < 0.2 ? "0x" + hex(32) : undefined;
  const expiration = kind === "limit" && rnd() < 0.5 ? 1700000000 + int(1e8) : undefined;
  const now = 1700000000000 + int(1e11);
  const random = rnd();
  const owner = `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`;
  const orderType = kind === "limit" ? pick(["GTC", "GTD"]) : pick(["FOK", "FAK"]);
  const postOnly = kind === "limit" && rnd() < 0.3;
  const deferExec = rnd() < 0.3;

  const builder = new OrderBuilder(wallet, chainId, sigType, funder);
  const rec = { i, chainId, version, negRisk, sigType, funder: funder ?? "", kind, side, tick, price: String(price),
    qty: String(qty), tokenId: tid, metadata: metadata ?? ZERO32, builder: builderCode ?? ZERO32,
    expiration: expiration === undefined ? "0" : String(expiration), owner, orderType, postOnly, deferExec };
  let order;
  try {
    order = await pinned(async () => {
      if (kind === "limit") {
        const uo = { tokenID: tid, price, size: qty, side, metadata, builderCode, expiration };
        if (metadata === undefined) delete uo.metadata;
        return builder.buildOrder(uo, { tickSize: tick, negRisk }, version);
      }
      const uo = { tokenID: tid, price, amount: qty, side, metadata, builderCode, orderType };
      if (metadata === undefined) delete uo.metadata;
      return builder.buildMarketOrder(uo, { tickSize: tick, negRisk }, version);
    }, now, random);
  } catch (e) {
    rec.error = String(e.message ?? e);
    out.orders.push(rec);
    continue;
  }
  const cfg = getContractConfig(chainId);
  const exchange = version === 3 ? cfg.exchangeV3 : negRisk ? cfg.negRiskExchangeV2 : cfg.exchangeV2;
  const ob = version === 3 ? new ExchangeOrderBuilderV3(exchange, chainId, wallet) : new ExchangeOrderBuilderV2(exchange, chainId, wallet);
  rec.exchange = exchange;
  rec.orderHash = ob.buildOrderHash(ob.buildOrderTypedData(order));
  Object.assign(rec, { salt: order.salt, timestamp: order.timestamp, maker: order.maker, signer: order.signer,
    makerAmount: order.makerAmount, takerAmount: order.takerAmount, signature: order.signature,
    orderExpiration: order.expiration });
  rec.body = JSON.stringify(orderToJsonV2(order, owner, orderType, postOnly, deferExec));
  rec.l2ts = 1700000000 + int(1e8);
  const creds = { key: owner, secret: Buffer.from(hex(32), "hex").toString("base64url") + "=", passphrase: hex(32) };
  rec.secret = creds.secret;
  rec.passphrase = creds.passphrase;
  const h = await createL2Headers(wallet, creds, { method: "POST", requestPath: "/order", body: rec.body }, rec.l2ts);
  rec.l2sig = h.POLY_SIGNATURE;
  rec.l2address = h.POLY_ADDRESS;
  rec._order = order;
  out.orders.push(rec);
}

// --- batches: POST /orders bodies of 1..15 orders --------------------------
const ok = out.orders.filter((r) => !r.error);
for (let b = 0; b < 12 && ok.length > 0; b++) {
  const n = 1 + int(Math.min(15, ok.length));
  const members = [];
  for (let j = 0; j < n; j++) members.push(pick(ok));
  const owner = members[0].owner;
  const payload = members.map((r) => orderToJsonV2(r._order, owner, r.orderType, false, false));
  const body = JSON.stringify(payload);
  const ts = 1700000000 + int(1e8);
  const creds = { key: owner, secret: members[0].secret, passphrase: "p" };
  const h = await createL2Headers(wallet, creds, { method: "POST", requestPath: "/orders", body }, ts);
  out.batches.push({ members: members.map((r) => r.i), owner, body, ts, secret: creds.secret, l2sig: h.POLY_SIGNATURE });
}
for (const r of out.orders) delete r._order;

// --- amounts only: many float inputs through the client's helpers ----------
for (let i = 0; i < nAmounts; i++) {
  const kind = rnd() < 0.5 ? "limit" : "market";
  const side = rnd() < 0.5 ? "BUY" : "SELL";
  const tick = pick(TICKS);
  const price = anyPrice(tick);
  const qty = quantity();
  const rec = { kind, side, tick, price: String(price), qty: String(qty), priceValid: priceValid(price, tick) };
  try {
    const raw = kind === "limit"
      ? getOrderRawAmounts(side, qty, price, ROUNDING_CONFIG[tick])
      : getMarketOrderRawAmounts(side, qty, price || 1, ROUNDING_CONFIG[tick]);
    rec.makerAmount = parseUnits(raw.rawMakerAmt.toString(), 6).toString();
    rec.takerAmount = parseUnits(raw.rawTakerAmt.toString(), 6).toString();
  } catch (e) {
    rec.error = String(e.message ?? e).split("\n")[0];
  }
  out.amounts.push(rec);
}

// --- L1 ClobAuth -----------------------------------------------------------
for (let i = 0; i < 6; i++) {
  const chainId = pick([137, 80002]);
  const ts = 1700000000 + int(1e8);
  const nonce = int(1000);
  const h = await createL1Headers(wallet, chainId, nonce, ts);
  out.l1.push({ chainId, ts: String(ts), nonce, address: h.POLY_ADDRESS, signature: h.POLY_SIGNATURE });
}

// --- L2 HMAC ----------------------------------------------------------------
for (let i = 0; i < 20; i++) {
  const raw = Buffer.from(hex(32), "hex");
  const secret = pick([raw.toString("base64url"), raw.toString("base64url") + "=", raw.toString("base64")]);
  const method = pick(["GET", "POST", "DELETE"]);
  const path = pick(["/order", "/orders", "/data/orders", "/cancel-all", "/data/order/0x" + hex(32)]);
  const body = method === "GET" || rnd() < 0.2 ? undefined : JSON.stringify({ orderID: "0x" + hex(32), n: int(100) });
  const ts = 1700000000 + int(1e8);
  const h = await createL2Headers(wallet, { key: "k", secret, passphrase: "p" }, { method, requestPath: path, body }, ts);
  out.l2.push({ secret, ts: String(ts), method, path, body: body ?? "", signature: h.POLY_SIGNATURE });
}

// --- Number.prototype.toString on doubles of every magnitude -----------------
const buf = new DataView(new ArrayBuffer(8));
for (let i = 0; i < 2000; i++) {
  let x;
  switch (int(3)) {
    case 0: x = rnd() * 10 ** (int(44) - 22); break;
    case 1: x = (int(1e7) / 10 ** int(9)) * pick([1, 3, 7, 0.1, 1.1]); break;
    default:
      buf.setUint32(0, int(2 ** 32)); buf.setUint32(4, int(2 ** 32));
      x = Math.abs(buf.getFloat64(0));
      if (!Number.isFinite(x)) x = 1.5;
  }
  buf.setFloat64(0, x);
  out.strings.push({ bits: buf.getBigUint64(0).toString(), s: x.toString() });
}

process.stdout.write(JSON.stringify(out));
