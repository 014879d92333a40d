/* 政务服务智能助手 web chat. Plain JS, no build step.
 * Everything from the bot or staff is rendered with textContent; links only with http/https.
 * History lives in sessionStorage; messages carry server ids so reconnects neither lose nor duplicate them. */
(function () {
  "use strict";

  var API = "/api/v1";
  var STORE_KEY = "govchat:chat:v1";
  var ELDER_KEY = "govchat:elder";
  var MAX_ITEMS = 300;
  var POPULAR = [
    "身份证补办", "社保卡办理", "公积金提取", "户口迁移", "营业执照办理", "不动产登记", "医保报销", "转人工"
  ];
  var LEVELS = [
    { score: 5, label: "非常满意" }, { score: 4, label: "满意" }, { score: 3, label: "基本满意" },
    { score: 2, label: "不满意" }, { score: 1, label: "非常不满意" }
  ];
  var ROLE_NAMES = { citizen: "您", bot: "智能助手", staff: "人工客服", system: "系统提示" };

  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), form = $("form"), input = $("text"), sendBtn = $("send"), typing = $("typing");
  var banner = $("banner"), netstatus = $("netstatus");

  var state = load();
  var seenIds = {};
  var inflight = 0;
  var live = null;          // EventSource while staff may write
  var pollTimer = null;     // polling fallback
  var reconnectTimer = null;
  var reconnectDelay = 1000;

  // The gateway issues session ids (POST /chat/sessions): the page never makes one up.
  function ensureSession() {
    if (state.sessionId) { return Promise.resolve(state.sessionId); }
    return fetch(API + "/chat/sessions", { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (body) {
        state.sessionId = body.session_id;
        save();
        return state.sessionId;
      });
  }

  function fresh() {
    return { sessionId: null, items: [], lastId: 0, convState: "bot", ratingShown: false, rated: false };
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && (saved.sessionId === null || typeof saved.sessionId === "string") && Array.isArray(saved.items)) {
        return saved;
      }
    } catch (e) { /* corrupted storage: start again */ }
    return fresh();
  }

  function save() {
    if (state.items.length > MAX_ITEMS) { state.items = state.items.slice(-MAX_ITEMS); }
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* storage full or blocked */ }
  }

  // ---- rendering (textContent only) ----

  function safeUrl(url) {
    if (typeof url !== "string" || !url) { return null; }
    try {
      var parsed = new URL(url, window.location.href);
      return (parsed.protocol === "https:" || parsed.protocol === "http:") ? parsed.href : null;
    } catch (e) { return null; }
  }

  // Every time is shown in the office's zone (GOVCHAT_OFFICE_TIMEZONE, written into the page by the gateway), so the
  // citizen's own message and the server's reply read on the same clock whatever zone the device is set to.
  var CLOCK = (function () {
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      return new Intl.DateTimeFormat("zh-CN", Object.assign({ timeZone: document.documentElement.dataset.timezone }, options));
    } catch (e) { return new Intl.DateTimeFormat("zh-CN", options); }  // an unknown zone name
  })();

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) { d = new Date(); }
    return CLOCK.format(d);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function renderItem(item) {
    var row = el("div", "row " + item.role);
    row.setAttribute("data-key", item.key);
    if (item.id) { row.setAttribute("data-id", String(item.id)); }
    var bubble = el("div", "bubble");
    // A staff message names the agent (display name or 工号) when the server says who wrote it.
    var who = el("span", item.role === "citizen" || item.role === "bot" ? "sr-only" : "who",
      (item.role === "staff" && item.sender) || ROLE_NAMES[item.role] || "");
    bubble.appendChild(who);
    if (item.role === "citizen" || item.role === "bot") { who.textContent = ROLE_NAMES[item.role] + "说："; }
    var gist = item.role === "bot" ? keyPoints(item.text || "") : null;
    if (gist) { bubble.appendChild(renderGist(item, bubble, gist)); }
    bubble.appendChild(el("p", "text", item.text || ""));

    // The answer's text already names its source in Chinese (its last line, 来源：…); the page adds only the link
    // to the guide, so the source is stated once.
    var href = item.source && typeof item.source === "object" ? safeUrl(item.source.url) : null;
    if (href) {
      var src = el("a", "source", "查看《" + (item.source.title || "办事指南") + "》原文");
      src.href = href;
      src.target = "_blank";
      src.rel = "noopener noreferrer";
      bubble.appendChild(src);
    }
    if (item.role === "bot" && window.speechSynthesis) { bubble.appendChild(renderSpeak(item)); }

    if (Array.isArray(item.buttons) && item.buttons.length) {
      bubble.classList.add("has-buttons");
      var box = el("div", "buttons");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "可选的回复");
      item.buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string") { return; }
        var btn = el("button", "choice", b.title);
        btn.type = "button";
        btn.disabled = !!item.answered;
        btn.addEventListener("click", function () {
          item.answered = true;
          Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.disabled = true; });
          save();
          send(typeof b.payload === "string" && b.payload ? b.payload : b.title, b.title);
        });
        box.appendChild(btn);
      });
      bubble.appendChild(box);
    }

    var meta = el("div", "meta");
    var time = el("time", null, clock(item.at));
    if (item.at) { time.setAttribute("datetime", item.at); }
    meta.appendChild(time);
    if (item.role === "citizen" && item.status === "failed") {
      meta.appendChild(el("span", "status-failed", "未发出"));
      var retry = el("button", "retry", "重新发送");
      retry.type = "button";
      retry.addEventListener("click", function () { reconnect(); });
      meta.appendChild(retry);
    } else if (item.role === "citizen" && item.status === "pending") {
      meta.appendChild(el("span", null, "发送中"));
    }
    bubble.appendChild(meta);
    row.appendChild(bubble);
    return row;
  }

  // ---- elder mode: the gist of a long answer first, read-aloud ----

  var SOURCE_LINE = /\n*来源：[^\n]*$/;
  var GIST_MIN_CHARS = 60;   // shorter answers are shown whole
  var GIST_CHARS = 40;       // the gist: whole lines from the top until about this long
  var GIST_LINES = 3;
  var GIST_LINE_CHARS = 30;

  function answerBody(text) { return text.replace(SOURCE_LINE, "").trim(); }

  /** The first lines of a long answer, or null when the answer is short enough to read whole. */
  function keyPoints(text) {
    var body = answerBody(text);
    if (body.length <= GIST_MIN_CHARS) { return null; }
    var lines = body.split("\n").filter(function (line) { return line.trim(); });
    var gist = [];
    var length = 0;
    for (var i = 0; i < lines.length && i < GIST_LINES && length < GIST_CHARS; i++) {
      var line = lines[i].trim();
      gist.push(line.length > GIST_LINE_CHARS ? line.slice(0, GIST_LINE_CHARS) + "…" : line);
      length += line.length;
    }
    return gist.join("\n");
  }

  function renderGist(item, bubble, gist) {
    bubble.classList.add("has-gist");
    if (item.expanded) { bubble.classList.add("expanded"); }
    var box = el("div", "gist");
    box.appendChild(el("p", "gist-label", "要点"));
    box.appendChild(el("p", "gist-text", gist));
    var more = el("button", "expand", item.expanded ? "收起" : "展开全部");
    more.type = "button";
    more.setAttribute("aria-expanded", item.expanded ? "true" : "false");
    more.addEventListener("click", function () {
      item.expanded = !item.expanded;
      bubble.classList.toggle("expanded", item.expanded);
      more.textContent = item.expanded ? "收起" : "展开全部";
      more.setAttribute("aria-expanded", item.expanded ? "true" : "false");
      save();
    });
    box.appendChild(more);
    return box;
  }

  var speaking = null;  // the 朗读 button of the answer being read

  function renderSpeak(item) {
    var btn = el("button", "speak", "朗读");
    btn.type = "button";
    btn.setAttribute("aria-pressed", "false");
    btn.addEventListener("click", function () {
      var wasThis = speaking === btn;
      stopSpeaking();
      if (wasThis) { return; }
      var utterance = new SpeechSynthesisUtterance(answerBody(item.text || ""));
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;  // a little slower for older listeners
      utterance.onend = utterance.onerror = function () { if (speaking === btn) { stopSpeaking(); } };
      speaking = btn;
      btn.textContent = "停止朗读";
      btn.setAttribute("aria-pressed", "true");
      window.speechSynthesis.speak(utterance);
    });
    return btn;
  }

  function stopSpeaking() {
    if (speaking) {
      speaking.textContent = "朗读";
      speaking.setAttribute("aria-pressed", "false");
      speaking = null;
    }
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function appendItem(item) {
    state.items.push(item);
    if (item.id) { seenIds[item.id] = true; }
    log.appendChild(renderItem(item));
    save();
    scrollDown();
  }

  function rerender(item) {
    var old = log.querySelector('[data-key="' + item.key + '"]');
    if (old) { old.replaceWith(renderItem(item)); }
    save();
  }

  function keyOf() { return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 7); }

  function addServerMessage(m) {
    if (!m || typeof m !== "object") { return; }
    if (typeof m.id === "number") {
      if (seenIds[m.id]) { return; }
      if (m.id > state.lastId) { state.lastId = m.id; }
    }
    var role = m.role === "staff" || m.role === "system" ? m.role : "bot";
    appendItem({
      key: keyOf(), id: typeof m.id === "number" ? m.id : null, role: role,
      text: typeof m.text === "string" ? m.text : "", buttons: Array.isArray(m.buttons) ? m.buttons : null,
      source: m.source || null, sender: typeof m.sender === "string" ? m.sender : null,
      at: m.created_at || new Date().toISOString()
    });
    if (role === "bot" && m.source && !state.ratingShown) {
      state.ratingShown = true;
      save();
      showRating();
    }
  }

  function notice(text) {
    appendItem({ key: keyOf(), id: null, role: "system", text: text, at: new Date().toISOString() });
  }

  // ---- conversation state (handover) ----

  /** listen: the server says messages may arrive unasked (staff replies, notices of an open request). */
  function setConvState(s, listen) {
    if (!s) { return; }
    var changed = s !== state.convState;
    state.convState = s;
    state.listen = !!listen;
    save();
    if (state.listen || s === "waiting" || s === "human") { startLive(); } else { stopLive(); }
    if (!changed) { return; }
    if (s === "waiting") {
      showBanner("已为您转接人工客服，请稍候，客服回复会直接显示在这里。");
    } else if (s === "human") {
      showBanner("人工客服已接入，正在为您服务。");
    } else if (s === "closed") {
      showBanner("本次人工服务已结束，您可以继续向智能助手提问。");
    } else {
      hideBanner();
    }
  }

  function showBanner(text) { banner.textContent = text; banner.hidden = false; }
  function hideBanner() { banner.textContent = ""; banner.hidden = true; }

  function startLive() {
    if (live || pollTimer) { return; }
    if (!window.EventSource) { startPolling(); return; }
    var errors = 0;
    live = new EventSource(API + "/chat/" + encodeURIComponent(state.sessionId) + "/events?after=" + state.lastId);
    live.addEventListener("open", function () { errors = 0; setOnline(true); });
    live.addEventListener("message", function (e) {
      try { addServerMessage(JSON.parse(e.data)); } catch (err) { /* ignore a bad event */ }
    });
    live.addEventListener("state", function (e) {
      try {
        var data = JSON.parse(e.data);
        setConvState(data.state, data.listen);
      } catch (err) { /* ignore */ }
    });
    live.addEventListener("error", function () {
      errors += 1;
      if (errors >= 3 || live.readyState === 2) {
        live.close();
        live = null;
        startPolling();
      }
    });
  }

  function startPolling() {
    if (pollTimer) { return; }
    pollTimer = window.setInterval(function () { sync().catch(function () { setOnline(false); }); }, 3000);
  }

  function stopLive() {
    if (live) { live.close(); live = null; }
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  // ---- network ----

  function problemDetail(response) {
    return response.json().then(function (body) {
      return body && typeof body.detail === "string" ? body.detail : "请求没有成功，请稍后再试。";
    }, function () { return "请求没有成功，请稍后再试。"; });
  }

  function setOnline(ok) {
    if (ok) {
      netstatus.hidden = true;
      netstatus.textContent = "";
      reconnectDelay = 1000;
    } else {
      netstatus.textContent = "网络连接中断，正在重新连接…您的消息不会丢失。";
      netstatus.hidden = false;
    }
  }

  function setTyping(on) {
    inflight += on ? 1 : -1;
    typing.hidden = inflight <= 0;
    sendBtn.disabled = false;
    if (inflight > 0) { scrollDown(); }
  }

  /** Fetch messages after the last id we have. Resolves with how many were new. */
  function sync() {
    if (!state.sessionId) { return Promise.resolve(0); }
    return fetch(API + "/chat/" + encodeURIComponent(state.sessionId) + "/messages?after=" + state.lastId, {
      headers: { "Accept": "application/json" }, cache: "no-store"
    }).then(function (response) {
      if (response.status === 404) { setOnline(true); return 0; }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json().then(function (page) {
        setOnline(true);
        var before = state.lastId;
        (page.messages || []).forEach(addServerMessage);
        setConvState(page.state, page.listen);
        return state.lastId > before ? 1 : 0;
      });
    });
  }

  function deliver(item) {
    item.status = "pending";
    rerender(item);
    setTyping(true);
    return ensureSession().then(function () {
      return fetch(API + "/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ session_id: state.sessionId, text: item.payload || item.text })
      });
    }).then(function (response) {
      setTyping(false);
      if (response.ok) {
        return response.json().then(function (reply) {
          setOnline(true);
          item.status = "sent";
          rerender(item);
          (reply.messages || []).forEach(addServerMessage);
          setConvState(reply.state, reply.listen);
        });
      }
      if (response.status >= 500 || response.status === 408) { throw new Error("HTTP " + response.status); }
      // A session id the gateway does not recognise (kept from before an upgrade): get a new one, send once more.
      if (response.status === 404 && !item.renewed) {
        item.renewed = true;
        state.sessionId = null;
        return deliver(item);
      }
      // 4xx: the gateway said why (too long, too fast…) in Chinese; show it and do not resend.
      item.status = "rejected";
      rerender(item);
      return problemDetail(response).then(notice);
    }, function (error) {
      setTyping(false);
      throw error;
    }).catch(function () {
      item.status = "failed";
      rerender(item);
      setOnline(false);
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (reconnectTimer) { return; }
    reconnectTimer = window.setTimeout(function () {
      reconnectTimer = null;
      reconnect();
    }, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 15000);
  }

  /** Catch up, then resend what did not reach the gateway. A message whose reply arrived meanwhile is not resent. */
  function reconnect() {
    if (reconnectTimer) { window.clearTimeout(reconnectTimer); reconnectTimer = null; }
    sync().then(function (gotNew) {
      var failed = state.items.filter(function (i) { return i.role === "citizen" && i.status === "failed"; });
      if (!failed.length) { return; }
      if (gotNew) {
        // The gateway answered while we were offline: the first failed message did arrive.
        failed[0].status = "sent";
        rerender(failed[0]);
        failed = failed.slice(1);
      }
      failed.reduce(function (chain, item) {
        return chain.then(function () { return deliver(item); });
      }, Promise.resolve());
    }, function () {
      setOnline(false);
      scheduleReconnect();
    });
  }

  function send(text, display) {
    text = (text || "").trim();
    if (!text) { return; }
    var item = {
      key: keyOf(), id: null, role: "citizen", text: display || text, payload: text,
      at: new Date().toISOString(), status: "pending"
    };
    appendItem(item);
    var pendingFailed = state.items.some(function (i) { return i.role === "citizen" && i.status === "failed"; });
    if (pendingFailed) {
      item.status = "failed";  // keep order: it goes out after the ones waiting for the network
      rerender(item);
      reconnect();
      return;
    }
    deliver(item);
  }

  // ---- rating (好差评) ----

  /** The 好差评 card: of this conversation (kind "chat"), or of a finished request by tracking number and the
   * last 4 digits of the ID or phone number (kind "request"; the bot points citizens here). */
  function showRating(kind, trackingNo) {
    kind = kind || "chat";
    if (kind === "chat" && state.rated) { return; }
    var open = log.querySelector('.rating[data-kind="' + kind + '"]');
    if (open) { return open; }
    var node = document.getElementById("rating-template").content.firstElementChild.cloneNode(true);
    node.setAttribute("data-kind", kind);
    var levels = node.querySelector(".rating-levels");
    var submit = node.querySelector(".rating-submit");
    var comment = node.querySelector(".rating-comment");
    var result = node.querySelector(".rating-result");
    var tracking = node.querySelector(".rating-tracking");
    var verifier = node.querySelector(".rating-verifier");
    var chosen = null;
    if (kind === "request") {
      node.setAttribute("aria-label", "办件评价");
      node.querySelector(".rating-title").textContent = "请对办件服务进行评价";
      node.querySelector(".rating-request").hidden = false;
      node.querySelector(".rating-switch").hidden = true;
      tracking.value = trackingNo || "";
    } else {
      node.querySelector(".rating-switch").addEventListener("click", function () {
        var other = showRating("request");
        var first = other && other.querySelector(".rating-tracking");
        if (first) { first.focus(); }
      });
    }
    LEVELS.forEach(function (level, index) {
      var btn = el("button", "level", level.label);
      btn.type = "button";
      btn.setAttribute("role", "radio");
      btn.setAttribute("aria-checked", "false");
      btn.tabIndex = index === 0 ? 0 : -1;
      btn.addEventListener("click", function () {
        chosen = level;
        Array.prototype.forEach.call(levels.children, function (b) {
          b.setAttribute("aria-checked", b === btn ? "true" : "false");
          b.tabIndex = b === btn ? 0 : -1;
        });
        submit.disabled = false;
      });
      btn.addEventListener("keydown", function (e) {
        var step = (e.key === "ArrowRight" || e.key === "ArrowDown") ? 1
          : (e.key === "ArrowLeft" || e.key === "ArrowUp") ? -1 : 0;
        if (!step) { return; }
        e.preventDefault();
        var next = levels.children[(index + step + LEVELS.length) % LEVELS.length];
        next.focus();
        next.click();
      });
      levels.appendChild(btn);
    });
    submit.addEventListener("click", function () {
      if (!chosen) { return; }
      var body = { score: chosen.score, level: chosen.label, comment: comment.value.trim() || null };
      if (kind === "request") {
        body.tracking_no = tracking.value.trim().toUpperCase();
        body.verifier = verifier.value.replace(/[^0-9]/g, "");
        if (!body.tracking_no || !/^[0-9]{8}$/.test(body.verifier)) {
          result.textContent = "请填写受理编号，以及申请人的出生日期（8位数字，如 19900101）。";
          return;
        }
      } else {
        body.session_id = state.sessionId;
      }
      submit.disabled = true;
      result.textContent = "正在提交…";
      fetch(API + "/ratings", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (rating) {
            if (kind === "chat") { state.rated = true; save(); }
            result.textContent = rating.message || "感谢您的评价！";
            Array.prototype.forEach.call(node.querySelectorAll(".rating-form input, .rating-form textarea, .level, .rating-submit"),
              function (x) { x.disabled = true; });
            if (rating.asks_for_contact) { askForContact(node); }
          });
        }
        return problemDetail(response).then(function (detail) {
          result.textContent = response.status === 409 ? detail : "评价暂时没有提交成功：" + detail;
          submit.disabled = response.status === 409;
        });
      }, function () {
        result.textContent = "网络不通，评价没有提交成功，请稍后再试。";
        submit.disabled = false;
      });
    });
    log.appendChild(node);
    scrollDown();
    return node;
  }

  /** After a poor rating without contact data: a phone number for a call back, optional. */
  function askForContact(card) {
    var box = card.querySelector(".rating-contact");
    var phone = box.querySelector(".rating-phone");
    var send = box.querySelector(".rating-contact-submit");
    var result = box.querySelector(".rating-contact-result");
    box.hidden = false;
    send.addEventListener("click", function () {
      if (!phone.value.trim()) { result.textContent = "请填写手机号；不需要回电可以不填。"; return; }
      send.disabled = true;
      fetch(API + "/handover/callback", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ session_id: state.sessionId, phone: phone.value.trim() })
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (accepted) {
            result.textContent = accepted.notice;
            phone.disabled = true;
            sync().catch(function () { /* the notice is shown here already */ });
          });
        }
        return problemDetail(response).then(function (detail) { result.textContent = detail; send.disabled = false; });
      }, function () {
        result.textContent = "网络不通，手机号没有提交成功，请稍后再试。";
        send.disabled = false;
      });
    });
    scrollDown();
  }

  // ---- setup ----

  function setElder(on) {
    document.documentElement.classList.toggle("elder", on);
    $("elder-toggle").setAttribute("aria-pressed", on ? "true" : "false");
    // The long placeholder does not fit the elder mode's larger type on a phone.
    input.placeholder = input.getAttribute(on ? "data-elder-placeholder" : "data-placeholder");
    if (!on) { stopSpeaking(); }
    try { localStorage.setItem(ELDER_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function renderChips() {
    var chips = $("chips");
    POPULAR.forEach(function (title) {
      var chip = el("button", "chip", title);
      chip.type = "button";
      chip.addEventListener("click", function () { send(title); });
      chips.appendChild(chip);
    });
  }

  function restore() {
    state.items.forEach(function (item) {
      if (item.id) { seenIds[item.id] = true; }
      if (item.role === "citizen" && item.status === "pending") { item.status = "failed"; }
      log.appendChild(renderItem(item));
    });
    if (state.ratingShown && !state.rated) { showRating(); }
    scrollDown();
    var s = state.convState;
    state.convState = "bot";
    setConvState(s, state.listen);
    // Catch up on anything that arrived while the page was away (staff replies), then resend what failed.
    if (state.items.length) { reconnect(); }
  }

  if (new URLSearchParams(window.location.search).get("embed") === "1") {
    document.documentElement.classList.add("embedded");
  }
  var elderSaved = null;
  try { elderSaved = localStorage.getItem(ELDER_KEY); } catch (e) { /* private mode */ }
  setElder(elderSaved === "1" || new URLSearchParams(window.location.search).get("elder") === "1");

  $("elder-toggle").addEventListener("click", function () {
    setElder(!document.documentElement.classList.contains("elder"));
  });
  $("new-chat").addEventListener("click", function () {
    stopLive();
    stopSpeaking();
    state = fresh();
    seenIds = {};
    save();
    Array.prototype.slice.call(log.children).forEach(function (child) {
      if (child.id !== "welcome") { child.remove(); }
    });
    hideBanner();
    input.focus();
  });
  $("rate-open").addEventListener("click", function () {
    if (state.rated) {
      // This conversation is rated; a finished request can still be rated by its tracking number.
      showRating("request").querySelector(".rating-tracking").focus();
      return;
    }
    state.ratingShown = true;
    save();
    showRating().querySelector(".level").focus();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });
  window.addEventListener("online", function () { reconnect(); });
  window.addEventListener("offline", function () { setOnline(false); });

  renderChips();
  restore();
  // A link such as /?rate=GZ20261203ABCDEFGH (the bot's "在网页上用受理编号评价") opens the request rating.
  var rateNo = new URLSearchParams(window.location.search).get("rate");
  if (rateNo) { showRating("request", rateNo.slice(0, 40)); }
  window.govchat = { state: function () { return state; } };  // for tests and debugging
})();
