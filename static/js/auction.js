// The live layer of the auction page (one small ES module, no build step).
//
// Connects to /ws/auctions/<id>/?since=<last seq>, applies each event once and in seq order,
// resyncs on a gap, reconnects with exponential back-off and jitter, and keeps the countdown on
// the server's clock. "Live" tells the truth: a ping every few seconds must be answered within a
// deadline, the browser's offline event drops the socket at once and its online event reconnects
// at once. A bid and buy it now go through a review step. User data is only ever inserted with
// textContent. Every time on the page reads in the viewer's zone, with the zone named.

const PING_MS = 5000;
const PONG_DEADLINE_MS = 4000; // a ping unanswered this long: the connection is gone
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const NOTICE_MS = 8000;
const CLOSE_NOT_FOUND = 4404; // the consumer's close code for an auction that is not public
const SYMBOLS = { USD: "$", EUR: "€", GBP: "£" };
const INVALID_AMOUNT = "Enter a positive amount with at most two decimals.";
// One format for every time on the page, in the viewer's zone with the zone named.
const TIME_STYLES = {
  time: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" },
  datetime: {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  },
};

function formatTime(iso, style = "datetime") {
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return "";
  return new Intl.DateTimeFormat(undefined, TIME_STYLES[style] || TIME_STYLES.datetime).format(new Date(parsed));
}

function localTimes(scope = document) {
  for (const el of scope.querySelectorAll("time.local-time")) {
    const text = formatTime(el.dateTime, el.dataset.style);
    if (text) el.textContent = text;
  }
}

localTimes();

const root = document.getElementById("auction");
if (root) start(root);

function start(root) {
  const $ = (id) => document.getElementById(id);
  const currency = root.dataset.currency || "USD";
  const maxCents = centsOf(root.dataset.maxAmount);
  let lastSeq = Number(root.dataset.seq || 0);
  let status = root.dataset.status;
  let endsAt = Date.parse(root.dataset.endsAt);
  const startsAt = Date.parse(root.dataset.startsAt);
  let offset = clockOffset(root.dataset.serverNow);
  let hasBid = root.dataset.hasBid === "1";
  let leading = root.dataset.leaderIsYou === "1";
  let minBid = root.dataset.minBid || ""; // the minimum next bid, "12.50"
  let socket = null;
  let attempt = 0;
  let pingSentAt = 0; // when the unanswered ping left; 0 when every ping was answered
  let reconnectTimer = null;
  let pendingRequestId = null;
  let reviewed = null; // the bid under review: {amount, max}
  let pendingMax = null; // the maximum of the bid awaiting its result, shown to its bidder

  // --- formatting -------------------------------------------------------------------------

  function money(text) {
    if (text === null || text === undefined || text === "") return "—";
    const [units, minor] = String(text).split(".");
    const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const amount = minor === undefined ? grouped : `${grouped}.${minor}`;
    return SYMBOLS[currency] ? `${SYMBOLS[currency]}${amount}` : `${amount} ${currency}`;
  }

  function centsOf(text) {
    const match = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(String(text || ""));
    if (!match) return Number.MAX_SAFE_INTEGER;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  }

  // The amount as people type it ("$1,000.00", "700 USD"), the same reading as the form's
  // server side: {value: "1000.00"} or {error}. The server stays the judge of what it accepts.
  function parseAmount(typed) {
    let text = typed.trim();
    const symbol = SYMBOLS[currency];
    if (symbol && text.startsWith(symbol)) text = text.slice(symbol.length).trim();
    if (text.toUpperCase().startsWith(currency)) text = text.slice(currency.length).trim();
    if (text.toUpperCase().endsWith(currency)) text = text.slice(0, -currency.length).trim();
    if (!/^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$/.test(text)) return { error: INVALID_AMOUNT };
    const [units, minor = ""] = text.replace(/,/g, "").split(".");
    const digits = units.replace(/^0+(?=\d)/, "");
    if (digits.length > 13 || Number(digits) * 100 > maxCents) {
      return { error: `The most you can bid is ${money(root.dataset.maxAmount)}.` };
    }
    if (minor.length > 2) return { error: INVALID_AMOUNT };
    const value = `${digits}.${minor.padEnd(2, "0")}`;
    const cents = centsOf(value);
    if (cents <= 0) return { error: INVALID_AMOUNT };
    if (cents > maxCents) return { error: `The most you can bid is ${money(root.dataset.maxAmount)}.` };
    return { value };
  }

  function clockOffset(serverNowIso) {
    const serverNow = Date.parse(serverNowIso);
    return Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
  }

  function serverNow() {
    return Date.now() + offset;
  }

  function setText(id, text) {
    const el = $(id);
    if (el) el.textContent = text;
  }

  function newRequestId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
  }

  // --- rendering --------------------------------------------------------------------------

  function setPrice(text) {
    const el = $("price");
    if (!el) return;
    const next = money(text);
    if (el.textContent === next) return;
    el.textContent = next;
    el.classList.remove("flash");
    void el.offsetWidth; // restart the highlight animation
    el.classList.add("flash");
  }

  function setMinBid(text) {
    minBid = text;
    setText("min-bid", money(text));
    const amount = $("amount");
    if (amount) amount.placeholder = money(text);
  }

  function setEndsAt(iso) {
    const parsed = Date.parse(iso);
    if (Number.isNaN(parsed)) return;
    if (parsed !== endsAt) {
      const el = $("ends-at");
      if (el) {
        el.dateTime = iso;
        el.textContent = formatTime(iso, "datetime");
      }
    }
    endsAt = parsed;
    root.dataset.endsAt = iso;
    const countdown = $("countdown");
    if (countdown && status !== "scheduled") countdown.setAttribute("datetime", iso);
  }

  function setReserve(met) {
    const el = $("reserve-status");
    if (!el || met === undefined) return;
    el.textContent = met ? "Reserve met" : "Reserve not met";
    el.className = met ? "ok" : "warn";
  }

  function setBuyNow(price) {
    const box = $("buy-now");
    if (!box) return;
    box.hidden = !price || status !== "active";
    if (price) setText("buy-now-price", money(price));
  }

  function setLeader(handle, leaderIsYou) {
    setText("leader", handle || "—");
    if (leaderIsYou) hasBid = true;
    if (leaderIsYou !== undefined) leading = Boolean(leaderIsYou);
    if (leaderIsYou === undefined || (status !== "active" && status !== "scheduled")) return;
    if (leaderIsYou) setText("leader-status", "You are the highest bidder");
    else if (hasBid) setText("leader-status", "You have been outbid");
  }

  function closeBidding() {
    // The auction is over: the forms go, nothing on the page looks open any more (no "Live",
    // no watchlist button, no question form); the result says the rest.
    for (const id of ["bid-form", "bid-review", "buy-now", "watch-form", "ask-form"]) $(id)?.remove();
    reviewed = null;
    const connection = $("connection");
    if (connection) connection.hidden = true;
    if (status === "ended") setText("ends-label", "Ended");
    if (status === "cancelled") {
      for (const id of ["ends-row", "reserve-row"]) {
        const row = $(id);
        if (row) row.hidden = true;
      }
    }
  }

  function isClosed() {
    return status === "ended" || status === "cancelled";
  }

  function showOrderLink() {
    // The winner's next step: their order (opened with the result) and its payment.
    if ($("order-next")) return;
    const p = document.createElement("p");
    p.className = "order-next";
    p.id = "order-next";
    const a = document.createElement("a");
    a.id = "order-link";
    a.href = "/me/orders/";
    a.textContent = "Pay and send your address: your order";
    p.append(a);
    $("end-result")?.after(p);
  }

  function setStatus(next) {
    status = next;
    root.dataset.status = next;
    const submit = $("bid-submit");
    if (submit) submit.disabled = next !== "active";
    if (next === "ended" || next === "cancelled") closeBidding();
    tick();
  }

  function setSeq(seq) {
    lastSeq = seq;
    root.dataset.seq = String(seq);
  }

  function historyItem(line) {
    const li = document.createElement("li");
    li.className = line.automatic ? "history-item history-item--automatic" : "history-item";
    li.dataset.seq = String(line.seq);
    if (line.automatic) li.dataset.automatic = "1";
    const price = document.createElement("span");
    price.className = "history-price";
    price.textContent = money(line.price);
    const bidder = document.createElement("span");
    bidder.className = "history-bidder";
    bidder.textContent = line.bidder || "";
    li.append(price, " ", bidder);
    if (line.is_you) {
      const you = document.createElement("span");
      you.className = "history-you";
      you.textContent = "(you)";
      li.append(" ", you);
    }
    if (line.automatic) {
      const auto = document.createElement("span");
      auto.className = "history-auto";
      auto.textContent = "automatic bid";
      li.append(" ", auto);
    }
    const time = document.createElement("time");
    time.className = "local-time history-time";
    time.dataset.style = "time";
    time.dateTime = line.placed_at || "";
    time.textContent = formatTime(line.placed_at, "time");
    li.append(" ", time);
    return li;
  }

  // The history lines of one live `bid` event, by the server's rule (selectors.history_lines):
  // every price credited to whoever made it. A leader raising their own maximum is no line
  // (unless it met the reserve: an automatic line at the new price); a price the bidder's own
  // amount did not make is an automatic line credited to the leader. A beaten maximum is only
  // known to the server: `creditBeaten` asks it for the lines of that bid.
  let shownLeader = root.dataset.leader || null;
  let shownPrice = root.dataset.price || null;

  function eventLines(e) {
    const own = { seq: e.seq, bidder: e.bidder, is_you: e.is_you, placed_at: e.placed_at };
    const raise = e.amount === null && e.bidder === e.leader && shownLeader === e.bidder;
    if (raise) return e.price === shownPrice ? [] : [{ ...own, price: e.price, automatic: true }];
    const lines = e.amount === null ? [] : [{ ...own, price: e.amount }];
    if (e.amount === null || e.price !== e.amount || e.automatic) {
      lines.push({ seq: e.seq, price: e.price, bidder: e.leader, is_you: e.leader_is_you, placed_at: e.placed_at, automatic: true });
    }
    return lines;
  }

  function countLines(delta) {
    const count = $("bid-count");
    if (count) count.textContent = String(Number(count.textContent || 0) + delta);
    const list = $("history");
    if (list) list.start = list.start + delta;
  }

  function addHistory(lines) {
    const list = $("history");
    if (!list || !lines.length || list.querySelector(`[data-seq="${Number(lines[0].seq)}"]`)) return;
    for (const line of lines) list.prepend(historyItem(line));
    countLines(lines.length);
    const empty = $("history-empty");
    if (empty) empty.hidden = true;
  }

  // A bid that beat someone's maximum (or was beaten by one) also credits that maximum: the
  // server's lines for this seq replace the ones drawn from the event.
  async function creditBeaten(e, tookLead) {
    if (!tookLead && !e.automatic) return;
    let body;
    try {
      const response = await fetch(`/api/auctions/${root.dataset.auctionId}/bids?since=${e.seq - 1}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      body = await response.json();
    } catch {
      return; // the lines from the event stay; a reload or resync shows the rest
    }
    const lines = (body.bids || []).filter((line) => line.seq === e.seq);
    const list = $("history");
    const shown = list ? [...list.querySelectorAll(`[data-seq="${Number(e.seq)}"]`)] : [];
    if (!list || !shown.length || lines.length <= shown.length) return;
    const anchor = shown[0];
    for (const line of lines.slice().reverse()) anchor.before(historyItem(line));
    for (const item of shown) item.remove();
    countLines(lines.length - shown.length);
  }

  function replaceHistory(lines, total) {
    const list = $("history");
    if (!list) return;
    list.replaceChildren(...lines.slice().reverse().map(historyItem));
    list.start = total;
    setText("bid-count", String(total));
    const empty = $("history-empty");
    if (empty) empty.hidden = lines.length > 0;
  }

  function notice(kind, text, sticky = false) {
    const list = $("notices");
    if (!list) return;
    const li = document.createElement("li");
    li.className = `notice notice--${kind}`;
    li.textContent = text;
    list.prepend(li);
    while (list.children.length > 5) list.lastElementChild.remove();
    if (!sticky) setTimeout(() => li.remove(), NOTICE_MS);
  }

  function showEndResult(text) {
    const el = $("end-result");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
  }

  function setConnection(state) {
    const el = $("connection");
    if (!el) return;
    el.hidden = isClosed();
    el.dataset.state = state;
    el.textContent = {
      live: "Live",
      reconnecting: "Reconnecting…",
      connecting: "Connecting…",
      offline: "Offline",
    }[state];
  }

  // --- the price chart (same arithmetic as auctions/views/chart.py) ------------------------

  const chart = $("price-chart");
  let chartPoints = chart ? JSON.parse(chart.dataset.points || "[]") : []; // [seq, ms, cents]
  let chartExtensions = chart ? JSON.parse(chart.dataset.extensions || "[]") : []; // ms
  const CHART = { left: 70, top: 10, width: 600, height: 180 };

  function drawChart() {
    if (!chart || !chartPoints.length) return;
    const start = chartPoints[0][1];
    const end = Math.max(chartPoints[chartPoints.length - 1][1], serverNow());
    const prices = chartPoints.map((p) => p[2]);
    const low = Math.min(...prices);
    const high = Math.max(...prices);
    const x = (ms) => (CHART.left + ((ms - start) / Math.max(1, end - start)) * CHART.width).toFixed(1);
    const y = (cents) => (CHART.top + CHART.height - ((cents - low) / Math.max(1, high - low)) * CHART.height).toFixed(1);
    const coords = [];
    chartPoints.forEach(([, ms, cents], index) => {
      if (index) coords.push(`${x(ms)},${y(chartPoints[index - 1][2])}`);
      coords.push(`${x(ms)},${y(cents)}`);
    });
    coords.push(`${x(end)},${y(chartPoints[chartPoints.length - 1][2])}`);
    $("chart-line").setAttribute("points", coords.join(" "));
    const marks = chartExtensions.map((ms) => {
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      for (const [name, value] of [["x1", x(ms)], ["x2", x(ms)], ["y1", CHART.top], ["y2", CHART.top + CHART.height]]) {
        line.setAttribute(name, value);
      }
      line.setAttribute("class", "chart-extension");
      return line;
    });
    $("chart-extensions").replaceChildren(...marks);
    setText("chart-high", money(centsText(high)));
    setText("chart-low", money(centsText(low)));
    setText("chart-bids", String(chartPoints.length - 1));
  }

  function centsText(cents) {
    return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  }

  function chartBid(e) {
    if (!chart || chartPoints.some((p) => p[0] === e.seq)) return;
    chartPoints.push([e.seq, Date.parse(e.placed_at), centsOf(e.price)]);
    drawChart();
  }

  // --- countdown (server clock) -------------------------------------------------------------

  function formatLeft(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const pad = (n) => String(n).padStart(2, "0");
    const hms = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
    return days ? `${days}d ${hms}` : hms;
  }

  function tick() {
    const el = $("countdown");
    if (!el) return;
    el.classList.remove("countdown--warning", "countdown--urgent", "countdown--ended");
    if (status === "scheduled") {
      const left = startsAt - serverNow();
      if (left <= 0) {
        setStatus("active");
        return;
      }
      el.textContent = formatLeft(left);
      return;
    }
    if (status === "cancelled") {
      el.textContent = "CANCELLED";
      el.classList.add("countdown--ended");
      return;
    }
    const left = endsAt - serverNow();
    const form = $("bid-form");
    if (status === "ended" || left <= 0) {
      el.textContent = "ENDED";
      el.classList.add("countdown--ended");
      // Over by the clock: hide the forms until the result arrives (a last-moment bid that
      // extended the end brings them back with its `extended` event).
      if (form) form.hidden = true;
      for (const id of ["bid-review", "buy-now"]) if ($(id)) $(id).hidden = true;
      return;
    }
    if (form) form.hidden = reviewed !== null;
    if (status === "active") {
      const submit = $("bid-submit");
      if (submit && !pendingRequestId) submit.disabled = false;
    }
    el.textContent = formatLeft(left);
    if (left < 60000) el.classList.add("countdown--urgent");
    else if (left < 300000) el.classList.add("countdown--warning");
  }

  // --- events -----------------------------------------------------------------------------

  function applySnapshot(s) {
    offset = clockOffset(s.now);
    setSeq(s.seq);
    setPrice(s.price);
    setMinBid(s.min_bid);
    setEndsAt(s.ends_at);
    setReserve(s.has_reserve ? s.reserve_met : undefined);
    setStatus(s.status);
    setLeader(s.leader, s.leader_is_you);
    setBuyNow(s.buy_now_price);
    replaceHistory(s.bids || [], s.history_count ?? (s.bids || []).length);
    shownLeader = s.leader;
    shownPrice = s.price;
  }

  function bidNotice(e) {
    if (!e.automatic) {
      return e.is_you ? `Your bid is in: ${money(e.price)}` : `New bid: ${money(e.price)} by ${e.bidder}`;
    }
    const who = e.is_you ? "Your bid" : `A bid by ${e.bidder}`;
    const leader = e.leader_is_you ? "your maximum" : `${e.leader}'s maximum`;
    return `${who} of ${money(e.amount)} was answered at once: ${leader} leads at ${money(e.price)}.`;
  }

  function applyBid(e) {
    if (e.is_you) hasBid = true;
    setPrice(e.price);
    setMinBid(e.min_bid);
    setLeader(e.leader, e.leader_is_you);
    setEndsAt(e.ends_at);
    setReserve(e.reserve_met);
    setBuyNow(e.buy_now_price);
    const tookLead = shownLeader !== null && e.leader !== shownLeader && e.leader === e.bidder;
    addHistory(eventLines(e));
    shownLeader = e.leader;
    shownPrice = e.price;
    creditBeaten(e, tookLead);
    chartBid(e);
    notice("bid", bidNotice(e));
  }

  const durable = {
    bid: applyBid,
    extended(e) {
      setEndsAt(e.ends_at);
      if (chart && chartPoints.length > 1) {
        chartExtensions.push(chartPoints[chartPoints.length - 1][1]);
        drawChart();
      }
      tick();
      notice("extended", `A late bid extended the auction: it now ends at ${formatTime(e.ends_at, "datetime")}.`);
    },
    ended(e) {
      setStatus("ended");
      setText("price-label", "Final price");
      let text;
      const won = Boolean(e.winner && e.leader_is_you);
      if (won) text = `You won this auction with a winning bid of ${money(e.final_price)}.`;
      else if (e.winner && e.reserve_met !== false) text = `Auction ended: sold to ${e.winner} for ${money(e.final_price)}.`;
      else if (e.reserve_met === false) text = "Auction ended: the reserve was not met, so there is no winner.";
      else text = "Auction ended with no bids.";
      showEndResult(text);
      if (won) showOrderLink();
      setText("leader-status", !won && hasBid ? "You didn't win this auction." : "");
    },
    cancelled(e) {
      setStatus("cancelled");
      showEndResult("This auction was cancelled by the site.");
      setText("leader-status", "");
    },
    bid_voided(e) {
      setPrice(e.price);
      setMinBid(e.min_bid);
      setLeader(e.leader, e.leader_is_you);
      setEndsAt(e.ends_at);
      setReserve(e.reserve_met);
      const voided = [...($("history")?.querySelectorAll(`[data-seq="${Number(e.voided_seq)}"]`) || [])];
      for (const item of voided) item.remove();
      countLines(-voided.length);
      shownLeader = e.leader;
      shownPrice = e.price;
      chartPoints = chartPoints.filter((p) => p[0] !== e.voided_seq);
      drawChart();
      notice("voided", `A bid was removed by staff. The price is now ${money(e.price)}.`);
    },
  };

  function ownOutbid(msg) {
    if (status !== "active") return; // the result speaks for itself
    notice(
      "outbid",
      `You have been outbid. The price is now ${money(msg.price)}; bid ${money(msg.min_bid)} or more to lead again.`,
      true,
    );
    setText("leader-status", "You have been outbid");
    setText("bid-feedback", "");
  }

  function unreadNotice() {
    const count = $("nav-notices-count");
    if (!count) return;
    count.textContent = String(Number(count.textContent || 0) + 1);
    count.hidden = false;
  }

  function onMessage(msg) {
    if (!msg || typeof msg.type !== "string") return;
    if (msg.type === "snapshot") {
      applySnapshot(msg);
      attempt = 0;
      setConnection("live");
      return;
    }
    if (durable[msg.type]) {
      if (typeof msg.seq !== "number" || msg.seq <= lastSeq) return; // already applied
      if (msg.seq > lastSeq + 1) {
        resync(); // a gap: ask for exactly what was missed
        return;
      }
      setSeq(msg.seq);
      durable[msg.type](msg);
      return;
    }
    const current = Number(msg.auction_id) === Number(root.dataset.auctionId);
    switch (msg.type) {
      case "viewers":
        if (current) setText("viewers", String(msg.count));
        break;
      case "outbid":
      case "won":
        // A private event belongs to its own lot's page; another lot's waits in the notice
        // centre (the header's unread count says so), never as a toast on this page.
        if (!current) unreadNotice();
        else if (msg.type === "outbid") ownOutbid(msg);
        else if ($("end-result")?.hidden) {
          // On this auction's page the end result says it, once.
          showEndResult(`You won this auction with a winning bid of ${money(msg.final_price)}.`);
          showOrderLink();
        }
        break;
      case "bid_result":
        onBidResult(msg);
        break;
      default:
        break; // pong and anything newer than this script
    }
  }

  // --- bidding: a review step, then the socket (or the plain form when the socket is down) --

  function onBidResult(r) {
    if (r.request_id && pendingRequestId && r.request_id !== pendingRequestId) return;
    const feedback = $("bid-feedback");
    const submit = $("bid-submit");
    const requestField = $("request-id");
    pendingRequestId = null;
    if (!r.accepted) pendingMax = null;
    if (submit) submit.disabled = status !== "active";
    if (r.accepted) {
      hasBid = true;
      if (pendingMax) {
        setText("your-maximum", money(pendingMax));
        const row = $("your-maximum-row");
        if (row) row.hidden = false;
      }
      if (feedback) {
        feedback.className = "feedback ok";
        feedback.textContent = r.leader_is_you
          ? `Your bid is in: you are the highest bidder at ${money(r.price)}.`
          : `Your bid is in, but another bidder's maximum is higher. The price is now ${money(r.price)}.`;
      }
      for (const id of ["amount", "max-amount"]) {
        const input = $(id);
        if (input) input.value = "";
      }
      if (requestField) requestField.value = newRequestId();
      return;
    }
    if (feedback) {
      feedback.className = "feedback error";
      feedback.textContent =
        r.error === "BID_TOO_LOW" && r.min_bid
          ? `Your bid is too low: the minimum next bid is ${money(r.min_bid)}.`
          : r.message || "Your bid was not accepted.";
    }
    // UNAVAILABLE: keep the id so a retry cannot place the bid twice.
    if (requestField && r.error !== "UNAVAILABLE") requestField.value = newRequestId();
  }

  function showFeedback(kind, text) {
    const feedback = $("bid-feedback");
    if (!feedback) return;
    feedback.className = `feedback ${kind}`;
    feedback.textContent = text;
  }

  function readBid() {
    const auto = $("auto-bid");
    const typedAmount = $("amount").value.trim();
    const typedMax = auto && auto.checked && $("max-amount") ? $("max-amount").value.trim() : "";
    if (!typedAmount && !typedMax) return { error: "Enter an amount to bid." };
    const amount = typedAmount ? parseAmount(typedAmount) : { value: null };
    if (amount.error) return amount;
    const max = typedMax ? parseAmount(typedMax) : { value: null };
    if (max.error) return max;
    if (amount.value && max.value && centsOf(max.value) < centsOf(amount.value)) {
      return { error: "Your maximum must be at least your bid." };
    }
    return { amount: amount.value, max: max.value };
  }

  // What the review step can already refuse: a bid under the minimum. A maximum alone from a
  // bidder who does not lead bids the minimum next bid with that maximum (as on eBay); the
  // leader's maximum alone raises their maximum.
  function checkBid(bid) {
    if (leading || !minBid) return bid;
    if (bid.amount && centsOf(bid.amount) < centsOf(minBid)) {
      return { error: `Your bid is too low: the minimum next bid is ${money(minBid)}.` };
    }
    if (!bid.amount && bid.max) {
      if (centsOf(bid.max) < centsOf(minBid)) {
        return { error: `Your maximum must be at least the minimum next bid, ${money(minBid)}.` };
      }
      return { ...bid, atMinimum: true };
    }
    return bid;
  }

  function openReview(bid) {
    reviewed = bid;
    const parts = [];
    if (bid.atMinimum) parts.push(`You are bidding ${money(minBid)}, the minimum next bid.`);
    else parts.push(bid.amount ? `You are bidding ${money(bid.amount)}.` : "You are raising your maximum.");
    if (bid.max) parts.push(`We will bid for you, one increment at a time, up to ${money(bid.max)}. Nobody else sees it.`);
    setText("bid-review-text", parts.join(" "));
    $("bid-form").hidden = true;
    $("bid-review").hidden = false;
    $("bid-review-heading").focus();
  }

  function closeReview() {
    reviewed = null;
    if ($("bid-review")) $("bid-review").hidden = true;
    if ($("bid-form")) $("bid-form").hidden = false;
  }

  function confirmBid() {
    const bid = reviewed;
    if (!bid) return;
    closeReview();
    // A maximum alone bids the minimum next bid as it is now (the price may have moved while
    // the review was open); the server does the same for the plain form.
    const amount = bid.atMinimum && !leading ? minBid : bid.amount;
    if (bid.atMinimum && !leading && centsOf(bid.max) < centsOf(minBid)) {
      showFeedback("error", `Your maximum must be at least the minimum next bid, ${money(minBid)}.`);
      return;
    }
    const requestField = $("request-id");
    const requestId = (requestField && requestField.value) || newRequestId();
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      // No live connection: post the reviewed amounts as the form does after its review page.
      const form = $("bid-form");
      $("amount").value = bid.atMinimum ? "" : bid.amount || "";
      if ($("max-amount")) $("max-amount").value = bid.max || "";
      const confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      form.append(confirm);
      form.submit();
      return;
    }
    pendingRequestId = requestId;
    pendingMax = bid.max || null;
    const submit = $("bid-submit");
    if (submit) submit.disabled = true;
    socket.send(JSON.stringify({ type: "bid", amount: amount, max_amount: bid.max, request_id: requestId }));
    $("amount").focus();
  }

  function wireForm() {
    const form = $("bid-form");
    const auto = $("auto-bid");
    const max = $("max-amount");
    const maxField = $("max-field");
    if (auto && max) {
      const sync = () => {
        max.disabled = !auto.checked;
        if (maxField) maxField.hidden = !auto.checked;
      };
      auto.addEventListener("change", sync);
      sync();
    }
    if (form) {
      form.addEventListener("submit", (event) => {
        // Logged out: the plain POST (login redirect). Otherwise the review step, here.
        if (root.dataset.authenticated !== "1") return;
        event.preventDefault();
        if (pendingRequestId) return;
        const bid = checkBid(readBid());
        if (bid.error) {
          showFeedback("error", bid.error);
          $("amount").focus();
          return;
        }
        showFeedback("", "");
        openReview(bid);
      });
      $("bid-confirm")?.addEventListener("click", confirmBid);
      $("bid-change")?.addEventListener("click", () => {
        closeReview();
        $("amount").focus();
      });
    }
    const buyForm = $("buy-form");
    if (buyForm && root.dataset.authenticated === "1") {
      buyForm.addEventListener("submit", (event) => {
        event.preventDefault();
        setText("buy-review-text", `Buy this item now for ${$("buy-now-price").textContent}? This ends the auction at once, and you commit to pay the seller.`);
        buyForm.hidden = true;
        $("buy-review").hidden = false;
        $("buy-review-text").focus();
      });
      $("buy-confirm")?.addEventListener("click", () => {
        const confirm = document.createElement("input");
        confirm.type = "hidden";
        confirm.name = "confirm";
        confirm.value = "1";
        buyForm.append(confirm);
        buyForm.submit();
      });
      $("buy-cancel")?.addEventListener("click", () => {
        $("buy-review").hidden = true;
        buyForm.hidden = false;
        $("buy-submit").focus();
      });
    }
  }

  // --- connection ---------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    if (!navigator.onLine) {
      setConnection("offline"); // the `online` event reconnects
      return;
    }
    setConnection(attempt ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}${root.dataset.wsPath}?since=${lastSeq}`;
    const ws = new WebSocket(url);
    socket = ws;
    pingSentAt = 0;
    ws.addEventListener("message", (event) => {
      if (socket !== ws) return;
      pingSentAt = 0; // anything from the server proves the connection
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      onMessage(msg);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === CLOSE_NOT_FOUND) {
        setConnection("offline"); // the auction is gone: retrying cannot help
        return;
      }
      dropped();
    });
  }

  function dropped() {
    if (pendingRequestId) {
      onBidResult({ accepted: false, error: "UNAVAILABLE", message: "Connection lost: we could not confirm your bid. Please retry." });
    }
    if (!navigator.onLine) {
      setConnection("offline");
      return;
    }
    scheduleReconnect();
  }

  function abandon() {
    // Stop listening to a socket we no longer trust; its late close is ignored.
    if (!socket) return;
    const old = socket;
    socket = null;
    try {
      old.close();
    } catch {
      // already closing
    }
  }

  function scheduleReconnect() {
    setConnection("reconnecting");
    attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // jitter: spread the herd
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  function resync() {
    // Reconnecting with since=<last seq> replays exactly the missed events, then a snapshot.
    abandon();
    connect();
  }

  window.addEventListener("offline", () => {
    clearTimeout(reconnectTimer);
    abandon();
    dropped();
  });

  window.addEventListener("online", () => {
    // Back online: reconnect now, not after the back-off.
    attempt = 0;
    abandon();
    connect();
  });

  let lastPingAt = 0;
  setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (pingSentAt && now - pingSentAt > PONG_DEADLINE_MS) {
      // The ping went unanswered: the network dropped silently. Say so, and reconnect.
      abandon();
      dropped();
      return;
    }
    if (now - lastPingAt < PING_MS) return;
    lastPingAt = now;
    if (!pingSentAt) pingSentAt = now;
    socket.send(JSON.stringify({ type: "ping" }));
  }, 1000);

  wireForm();
  tick();
  setInterval(tick, 250);
  connect();
}
