// sim_client.js drives simclob with Polymarket's official TypeScript client
// (@polymarket/clob-client-v2) and checks that every call succeeds where the
// venue would and fails with the venue's error where it would.
//
//   node conformance/sim_client.js http://127.0.0.1:PORT
//
// Run by sim's TestConformanceOfficialClient against the "small" scenario.
// Prints one line per check ("ok …" / "FAIL …") and exits 1 on any failure.
"use strict";

const { ClobClient, Side, OrderType, AssetType } = require("@polymarket/clob-client-v2");
const { Wallet } = require("ethers");

const host = process.argv[2];
if (!host) {
  console.error("usage: node sim_client.js <rest-url>");
  process.exit(2);
}
// Hardhat/Anvil account #0: a well-known public test key.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const CHAIN = 137;

let failures = 0;
function check(name, cond, detail) {
  if (cond) {
    console.log("ok   " + name);
  } else {
    failures++;
    console.log("FAIL " + name + " :: " + JSON.stringify(detail));
  }
}
const errOf = (r) => (r && typeof r.error === "string" ? r.error : JSON.stringify(r && r.error));

async function main() {
  const wallet = new Wallet(KEY);
  const l1 = new ClobClient({ host, chain: CHAIN, signer: wallet });

  check("getOk", (await l1.getOk()) === "OK");
  check("getVersion", (await l1.getVersion()) === 2);
  const t = await l1.getServerTime();
  check("getServerTime", typeof t === "number" && Math.abs(t - Date.now() / 1000) < 60, t);

  const creds = await l1.createOrDeriveApiKey();
  check("createOrDeriveApiKey", creds && creds.key && creds.secret && creds.passphrase, creds);
  const derived = await l1.deriveApiKey();
  check("deriveApiKey deterministic", derived.key === creds.key && derived.secret === creds.secret, derived);

  const c = new ClobClient({ host, chain: CHAIN, signer: wallet, creds, signatureType: 0 });

  // markets: one neg-risk leg, a standard 0.01 market, a 0.005 market
  const markets = (await c.getMarkets()).data;
  check("getMarkets", Array.isArray(markets) && markets.length >= 5, markets && markets.length);
  const negRisk = markets.find((m) => m.neg_risk && m.question.includes("Small election"));
  const std = markets.find((m) => !m.neg_risk && String(m.minimum_tick_size) === "0.01");
  const half = markets.find((m) => !m.neg_risk && String(m.minimum_tick_size) === "0.005");
  check("markets found", negRisk && std && half, { negRisk: !!negRisk, std: !!std, half: !!half });
  const nrYes = negRisk.tokens[0].token_id;
  const stdYes = std.tokens[0].token_id;
  const stdNo = std.tokens[1].token_id;
  const halfYes = half.tokens[0].token_id;

  const info = await c.getClobMarketInfo(negRisk.condition_id);
  check("getClobMarketInfo", info.nr === true && info.t.length === 2 && info.fd && info.fd.r === 0.04, info);
  check("getNegRisk", (await c.getNegRisk(nrYes)) === true);
  check("getTickSize", (await c.getTickSize(halfYes)) === "0.005");

  const book = await c.getOrderBook(nrYes);
  check("getOrderBook", book.asks.length > 0 && book.bids.length > 0 && book.asset_id === nrYes, book);
  const served = book.hash;
  const recomputed = await c.getOrderBookHash({ ...book });
  check("book hash = client's generateOrderBookSummaryHash", served === recomputed, { served, recomputed });
  const books = await c.getOrderBooks([{ token_id: nrYes }, { token_id: stdYes }]);
  check("getOrderBooks", Array.isArray(books) && books.length === 2, books);

  const bal0 = await c.getBalanceAllowance({ asset_type: AssetType.COLLATERAL });
  check("getBalanceAllowance", bal0.balance === "1000000000", bal0);

  // limit orders rest
  const bestBid = (b) => parseFloat(b.bids[b.bids.length - 1].price);
  const bestAsk = (b) => parseFloat(b.asks[b.asks.length - 1].price);
  const nrBid = bestBid(book);
  const lim = await c.createAndPostOrder({ tokenID: nrYes, price: +(nrBid - 0.01).toFixed(2), size: 10, side: Side.BUY }, undefined, OrderType.GTC);
  check("limit BUY neg-risk rests", lim.success === true && lim.status === "live" && /^0x[0-9a-f]{64}$/.test(lim.orderID), lim);
  const stdBook = await c.getOrderBook(stdYes);
  const lim2 = await c.createAndPostOrder({ tokenID: stdYes, price: +(bestAsk(stdBook) + 0.01).toFixed(2), size: 5, side: Side.SELL }, undefined, OrderType.GTC);
  check("limit SELL standard rests", lim2.success === true && lim2.status === "live", lim2);

  const got = await c.getOrder(lim.orderID);
  check("getOrder", got.id === lim.orderID && got.status === "LIVE" && got.original_size === "10", got);
  const open = await c.getOpenOrders();
  check("getOpenOrders", open.length === 2, open);

  // marketable orders
  const fok = await c.createAndPostMarketOrder({ tokenID: nrYes, amount: 5, side: Side.BUY, orderType: OrderType.FOK }, undefined, OrderType.FOK);
  check("FOK market BUY neg-risk", fok.success === true && fok.status === "matched" && fok.makingAmount !== "" && fok.tradeIDs.length > 0, fok);
  const fak = await c.createAndPostMarketOrder({ tokenID: stdNo, amount: 3, side: Side.BUY, orderType: OrderType.FAK }, undefined, OrderType.FAK);
  check("FAK market BUY standard NO", fak.success === true && fak.status === "matched", fak);
  const sell = await c.createAndPostMarketOrder({ tokenID: stdYes, amount: 5, side: Side.SELL, orderType: OrderType.FOK }, undefined, OrderType.FOK);
  check("FOK market SELL standard", sell.success === true && sell.status === "matched" && sell.makingAmount === "5", sell);

  const trades = await c.getTrades();
  check("getTrades", trades.length >= 3 && trades.every((x) => x.transaction_hash && x.transaction_hash.startsWith("0x")), trades.length);

  // batch
  const batch = [];
  for (let i = 0; i < 3; i++) {
    const o = await c.createOrder({ tokenID: nrYes, price: 0.02 + i / 100, size: 10, side: Side.BUY });
    batch.push({ order: o, orderType: OrderType.GTC });
  }
  const br = await c.postOrders(batch);
  check("postOrders batch", Array.isArray(br) && br.length === 3 && br.every((r) => r.success && r.status === "live"), br);

  // cancels
  const c1 = await c.cancelOrder({ orderID: lim.orderID });
  check("cancelOrder", c1.canceled && c1.canceled.includes(lim.orderID), c1);
  const c2 = await c.cancelOrders([br[0].orderID, br[1].orderID]);
  check("cancelOrders", c2.canceled && c2.canceled.length === 2, c2);
  const c3 = await c.cancelMarketOrders({ market: std.condition_id, asset_id: stdYes });
  check("cancelMarketOrders", c3.canceled && c3.canceled.includes(lim2.orderID), c3);
  const c4 = await c.cancelAll();
  check("cancelAll", c4.canceled && c4.canceled.includes(br[2].orderID), c4);
  check("no open orders left", (await c.getOpenOrders()).length === 0);

  const hb = await c.postHeartbeat("");
  check("postHeartbeat", typeof hb.heartbeat_id === "string" && hb.heartbeat_id.length > 0, hb);

  // where the venue says no
  const wrongDomain = await c.createOrder({ tokenID: nrYes, price: 0.02, size: 10, side: Side.BUY }, { tickSize: "0.01", negRisk: false });
  const r1 = await c.postOrder(wrongDomain, OrderType.GTC);
  check("wrong exchange domain -> invalid signature", errOf(r1) === "invalid signature" && r1.status === 400, r1);

  const offGrid = await c.createAndPostOrder({ tokenID: halfYes, price: 0.551, size: 10, side: Side.BUY }, undefined, OrderType.GTC);
  check("off-grid price -> tick error", /is invalid\. Price \(0\.551\) breaks minimum tick size rule: 0\.005$/.test(errOf(offGrid)) && offGrid.status === 400, offGrid);

  const tiny = await c.createAndPostMarketOrder({ tokenID: stdYes, amount: 0.5, side: Side.BUY, orderType: OrderType.FOK }, undefined, OrderType.FOK);
  check("marketable under $1 -> min size error", errOf(tiny) === "invalid amount for a marketable BUY order ($0.5), min size: $1", tiny);

  const broke = await c.createAndPostOrder({ tokenID: nrYes, price: 0.5, size: 5000, side: Side.BUY }, undefined, OrderType.GTC);
  check("insufficient balance", errOf(broke) === "not enough balance / allowance" && broke.status === 400, broke);

  const small = await c.createAndPostOrder({ tokenID: nrYes, price: 0.02, size: 2, side: Side.BUY }, undefined, OrderType.GTC);
  check("below min size", /Size \(2\) lower than the minimum: 5$/.test(errOf(small)), small);

  const fokFail = await c.createAndPostMarketOrder({ tokenID: nrYes, amount: 50, side: Side.BUY, price: 0.02, orderType: OrderType.FOK }, undefined, OrderType.FOK);
  check("FOK not fillable", errOf(fokFail) === "order couldn't be fully filled. FOK orders are fully filled or killed.", fokFail);

  const bad = new ClobClient({ host, chain: CHAIN, signer: wallet, creds: { ...creds, secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } });
  const unauth = await bad.getOrder(lim.orderID);
  check("wrong HMAC secret -> 401", unauth && unauth.status === 401 && errOf(unauth) === "Unauthorized/Invalid api key", unauth);
}

main()
  .catch((e) => {
    failures++;
    console.log("FAIL exception :: " + (e && e.stack ? e.stack : e));
  })
  .finally(() => {
    console.log(failures === 0 ? "PASS" : "FAILURES " + failures);
    process.exit(failures === 0 ? 0 : 1);
  });
