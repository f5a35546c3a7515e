// The live layer of the auction page (one small ES module, no build step).
//
// Connects to /ws/auctions/<id>/?since=<last seq>, applies each event once and in seq order,
// resyncs on a gap, reconnects with exponential back-off and jitter, pings every 20 s, and keeps
// the countdown on the server's clock. User data is only ever inserted with textContent.

const PING_MS = 20000;
const STALE_MS = 45000; // no message (not even a pong) for this long: the socket is dead
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const NOTICE_MS = 8000;
const CLOSE_NOT_FOUND = 4404; // the consumer's close code for an auction that is not public
const SYMBOLS = { USD: "$", EUR: "€", GBP: "£" };
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
  let lastSeq = Number(root.dataset.seq || 0);
  let status = root.dataset.status;
  let endsAt = Date.parse(root.dataset.endsAt);
  const startsAt = Date.parse(root.dataset.startsAt);
  let offset = clockOffset(root.dataset.serverNow);
  let socket = null;
  let attempt = 0;
  let lastMessageAt = 0;
  let reconnectTimer = null;
  let pendingRequestId = null;

  // --- formatting -------------------------------------------------------------------------

  function money(text) {
    if (text === null || text === undefined || text === "") return "—";
    const [units, minor] = String(text).split(".");
    const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const amount = minor === undefined ? grouped : `${grouped}.${minor}`;
    return SYMBOLS[currency] ? `${SYMBOLS[currency]}${amount}` : `${amount} ${currency}`;
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
    const el = $("leader-status");
    if (!el || leaderIsYou === undefined) return;
    if (leaderIsYou) el.textContent = "You are the highest bidder";
    else if (el.textContent) el.textContent = "You have been outbid";
  }

  function setStatus(next) {
    status = next;
    root.dataset.status = next;
    const over = next === "ended" || next === "cancelled";
    const submit = $("bid-submit");
    if (submit) submit.disabled = next !== "active";
    if (over) {
      const box = $("buy-now");
      if (box) box.hidden = true;
    }
    tick();
  }

  function setSeq(seq) {
    lastSeq = seq;
    root.dataset.seq = String(seq);
  }

  function historyItem(bid) {
    const li = document.createElement("li");
    li.className = bid.automatic ? "history-item history-item--automatic" : "history-item";
    li.dataset.seq = String(bid.seq);
    if (bid.automatic) li.dataset.automatic = "1";
    const price = document.createElement("span");
    price.className = "history-price";
    price.textContent = money(bid.price);
    const bidder = document.createElement("span");
    bidder.className = "history-bidder";
    bidder.textContent = bid.bidder || "";
    const time = document.createElement("time");
    time.className = "local-time history-time";
    time.dataset.style = "time";
    time.dateTime = bid.placed_at || "";
    time.textContent = formatTime(bid.placed_at, "time");
    li.append(price, " ", bidder);
    if (bid.is_you) {
      const you = document.createElement("span");
      you.className = "history-you";
      you.textContent = "(you)";
      li.append(" ", you);
    }
    if (bid.automatic) {
      const auto = document.createElement("span");
      auto.className = "history-auto";
      auto.textContent = "automatic bid";
      li.append(" ", auto);
    }
    li.append(" ", time);
    return li;
  }

  function addHistory(bid) {
    const list = $("history");
    if (!list || list.querySelector(`[data-seq="${Number(bid.seq)}"]`)) return;
    list.prepend(historyItem(bid));
    const empty = $("history-empty");
    if (empty) empty.hidden = true;
  }

  function replaceHistory(bids) {
    const list = $("history");
    if (!list) return;
    list.replaceChildren(...bids.slice().reverse().map(historyItem));
    const empty = $("history-empty");
    if (empty) empty.hidden = bids.length > 0;
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
    el.hidden = false;
    el.dataset.state = state;
    el.textContent = {
      live: "Live",
      reconnecting: "Reconnecting…",
      connecting: "Connecting…",
      offline: "Offline",
    }[state];
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
    if (status === "ended" || left <= 0) {
      el.textContent = "ENDED";
      el.classList.add("countdown--ended");
      const submit = $("bid-submit");
      if (submit) submit.disabled = true;
      return;
    }
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
    setText("bid-count", String(s.bid_count));
    setLeader(s.leader, s.leader_is_you);
    setEndsAt(s.ends_at);
    setReserve(s.has_reserve ? s.reserve_met : undefined);
    setStatus(s.status);
    setBuyNow(s.buy_now_price);
    replaceHistory(s.bids || []);
  }

  function applyBid(e) {
    setPrice(e.price);
    setMinBid(e.min_bid);
    setText("bid-count", String(e.bid_count));
    setLeader(e.leader, e.leader_is_you);
    setEndsAt(e.ends_at);
    setReserve(e.reserve_met);
    setBuyNow(e.buy_now_price);
    addHistory(e);
    notice("bid", e.is_you ? `Your bid is in: ${money(e.price)}` : `New bid: ${money(e.price)} by ${e.bidder}`);
  }

  const durable = {
    bid: applyBid,
    extended(e) {
      setEndsAt(e.ends_at);
      notice("extended", `A late bid extended the auction: it now ends at ${formatTime(e.ends_at, "datetime")}.`);
    },
    ended(e) {
      setStatus("ended");
      setText("price-label", "Final price");
      let text;
      if (e.winner && e.leader_is_you) text = `You won this auction with a winning bid of ${money(e.final_price)}.`;
      else if (e.winner && e.reserve_met !== false) text = `Auction ended: sold to ${e.winner} for ${money(e.final_price)}.`;
      else if (e.reserve_met === false) text = "Auction ended: the reserve was not met, so there is no winner.";
      else text = "Auction ended with no bids.";
      showEndResult(text);
      notice("ended", text, true);
    },
    cancelled(e) {
      setStatus("cancelled");
      const text = `This auction was cancelled (${e.reason || "no reason given"}).`;
      showEndResult(text);
      notice("cancelled", text, true);
    },
    bid_voided(e) {
      setPrice(e.price);
      setMinBid(e.min_bid);
      setText("bid-count", String(e.bid_count));
      setLeader(e.leader, e.leader_is_you);
      setEndsAt(e.ends_at);
      setReserve(e.reserve_met);
      for (const item of $("history")?.querySelectorAll(`[data-seq="${Number(e.voided_seq)}"]`) || []) {
        item.remove();
      }
      notice("voided", `A bid was removed by staff. The price is now ${money(e.price)}.`);
    },
  };

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
        notice(
          "outbid",
          current
            ? `You have been outbid. The price is now ${money(msg.price)}; bid ${money(msg.min_bid)} or more to lead again.`
            : `You have been outbid on “${msg.title}” (now ${money(msg.price)}).`,
          true,
        );
        if (current) {
          setText("leader-status", "You have been outbid");
          setText("bid-feedback", "");
        }
        break;
      case "won":
        notice("won", `You won “${msg.title}” for ${money(msg.final_price)}!`, true);
        break;
      case "bid_result":
        onBidResult(msg);
        break;
      default:
        break; // pong and anything newer than this script
    }
  }

  // --- bidding over the socket (the form still posts when the socket is down) --------------

  function onBidResult(r) {
    if (r.request_id && pendingRequestId && r.request_id !== pendingRequestId) return;
    const feedback = $("bid-feedback");
    const submit = $("bid-submit");
    const requestField = $("request-id");
    pendingRequestId = null;
    if (submit) submit.disabled = status !== "active";
    if (r.accepted) {
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

  function wireForm() {
    const form = $("bid-form");
    const auto = $("auto-bid");
    const max = $("max-amount");
    if (auto && max) {
      const sync = () => {
        max.disabled = !auto.checked;
      };
      auto.addEventListener("change", sync);
      sync();
    }
    if (!form) return;
    form.addEventListener("submit", (event) => {
      // Logged out or offline: the plain POST (login redirect, or PRG with a message).
      if (root.dataset.authenticated !== "1") return;
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      event.preventDefault();
      if (pendingRequestId) return;
      const requestField = $("request-id");
      const requestId = (requestField && requestField.value) || newRequestId();
      const amount = $("amount").value.trim();
      const maxValue = auto && auto.checked && max ? max.value.trim() : "";
      pendingRequestId = requestId;
      const submit = $("bid-submit");
      if (submit) submit.disabled = true;
      socket.send(
        JSON.stringify({
          type: "bid",
          amount: amount || null,
          max_amount: maxValue || null,
          request_id: requestId,
        }),
      );
    });
  }

  // --- connection ---------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    setConnection(attempt ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}${root.dataset.wsPath}?since=${lastSeq}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("message", (event) => {
      lastMessageAt = Date.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      onMessage(msg);
    });
    ws.addEventListener("open", () => {
      lastMessageAt = Date.now();
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === CLOSE_NOT_FOUND) {
        setConnection("offline"); // the auction is gone: retrying cannot help
        return;
      }
      if (pendingRequestId) {
        onBidResult({ accepted: false, error: "UNAVAILABLE", message: "Connection lost: we could not confirm your bid. Please retry." });
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    setConnection("reconnecting");
    attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // jitter: spread the herd
    reconnectTimer = setTimeout(connect, delay);
  }

  function resync() {
    // Reconnecting with since=<last seq> replays exactly the missed events, then a snapshot.
    if (socket) {
      const old = socket;
      socket = null;
      old.close();
    }
    connect();
  }

  setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastMessageAt > STALE_MS) {
      resync();
      return;
    }
    socket.send(JSON.stringify({ type: "ping" }));
  }, PING_MS);

  wireForm();
  tick();
  setInterval(tick, 250);
  connect();
}
