"use strict";
/* Staff console: one page, hash routes, every call to the staff API with the login cookie and the CSRF header.
   The API enforces roles; the menu only hides what a role cannot use. */
let ME = null;
const view = document.getElementById("view");
const ROLE_NAMES = {admin: "管理员", agent: "客服坐席", analyst: "数据分析员"};
const PAGES = [
  {hash: "#/conversations", title: "会话审阅", roles: ["admin", "agent", "analyst"]},
  {hash: "#/inbox", title: "人工接管", roles: ["admin", "agent"]},
  {hash: "#/canned", title: "快捷回复", roles: ["admin"]},
  {hash: "#/requests", title: "办件管理", roles: ["admin", "agent"]},
  {hash: "#/bundles", title: "一件事申请", roles: ["admin", "agent"]},  // bundles.js
  {hash: "#/analytics", title: "数据分析", roles: ["admin", "analyst"]},
  {hash: "#/staff", title: "账号管理", roles: ["admin"]},
  {hash: "#/audit", title: "审计日志", roles: ["admin"]},
  {hash: "#/retention", title: "数据保留", roles: ["admin"]},
  {hash: "#/holidays", title: "节假日", roles: ["admin"]},  // holidays.js
];
const STATUS = {submitted: "已提交", accepted: "已受理", in_progress: "办理中", completed: "已办结", rejected: "不予受理", cancelled: "已取消"};
const STATE = {bot: "智能助手", waiting: "等待人工", human: "人工处理中", closed: "已结束"};
const ROLE_LABEL = {citizen: "群众", bot: "智能助手", staff: "工作人员", system: "系统"};
const DECISION = {answer: "直接回答", clarify: "澄清追问", fallback: "未找到答案"};
const OUTCOME = {handed_over: ["转人工", "warn"], answered: ["已答复", "ok"], partly_answered: ["部分未答上", "warn"],
                 not_answered: ["未答上", "bad"], other: ["其他", ""]};
let refreshTimer = null;
const charts = [];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(method, url, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && ME) headers["X-CSRF-Token"] = ME.csrf_token;
  const res = await fetch(url, {method, headers, credentials: "same-origin",
                                body: body === undefined ? undefined : JSON.stringify(body)});
  if (res.status === 401) { location.href = "/console/login"; throw new Error("未登录"); }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.detail || ("请求失败 " + res.status));
  return data;
}

// The API sends UTC; staff read the office's time (GOVCHAT_OFFICE_TIMEZONE, written into the page by the gateway).
const TIME_ZONE = document.documentElement.dataset.timezone;
function fmtTime(value) {
  if (!value) return "";
  const options = {hour12: false, timeZone: TIME_ZONE};
  try { return new Date(value).toLocaleString("zh-CN", options); }
  catch (e) { return new Date(value).toLocaleString("zh-CN", {hour12: false}); }  // an unknown zone name
}
function fmtWait(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return seconds + " 秒";
  if (seconds < 3600) return Math.floor(seconds / 60) + " 分钟";
  return Math.floor(seconds / 3600) + " 小时 " + Math.floor((seconds % 3600) / 60) + " 分";
}
function showError(e) { view.prepend(el("p", {class: "error", role: "alert", "data-testid": "error", text: e.message})); }
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  return q.toString();
}

async function start() {
  try { ME = await api("GET", "/api/v1/staff/me"); } catch (e) { return; }
  document.getElementById("who").textContent = `${ME.staff.display_name}（${ROLE_NAMES[ME.staff.role]}）`;
  document.getElementById("who").dataset.role = ME.staff.role;
  document.getElementById("logout").onclick = async () => { await api("POST", "/api/v1/staff/logout"); location.href = "/console/login"; };
  window.addEventListener("hashchange", navigate);
  navigate();
}

// One page renders at a time, in the order the hash changed: a slow page that finished late overwrote the page
// navigated to after it (the list of requests replaced by the conversations it was still loading).
let routing = Promise.resolve();
function navigate() {
  routing = routing.then(route).catch(showError);
  return routing;
}

function allowed(hash) { const p = PAGES.find((x) => hash.startsWith(x.hash)); return p && p.roles.includes(ME.staff.role); }

function renderNav(current) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...PAGES.filter((p) => p.roles.includes(ME.staff.role)).map((p) =>
    el("a", {href: p.hash, class: current.startsWith(p.hash) ? "active" : null, "data-testid": "nav-" + p.hash.slice(2)}, p.title)));
}

async function route() {
  clearInterval(refreshTimer);
  while (charts.length) charts.pop().destroy();
  let hash = location.hash || PAGES.find((p) => p.roles.includes(ME.staff.role)).hash;
  renderNav(hash);
  if (!allowed(hash)) { view.replaceChildren(el("p", {class: "error", "data-testid": "forbidden"}, "您的角色无权访问此页面。")); return; }
  view.replaceChildren("加载中…");
  const parts = hash.slice(2).split("/");
  try {
    if (parts[0] === "conversations" && parts[1]) await transcriptPage(parts[1]);
    else if (parts[0] === "conversations") await conversationsPage();
    else if (parts[0] === "inbox" && parts[1]) await handoverPage(parts[1]);
    else if (parts[0] === "inbox") await inboxPage();
    else if (parts[0] === "canned") await cannedPage();
    else if (parts[0] === "requests" && parts[1]) await requestPage(decodeURIComponent(parts[1]));
    else if (parts[0] === "requests") await requestsPage();
    else if (parts[0].startsWith("bundles")) await bundlesPage();
    else if (parts[0] === "analytics") await analyticsPage();
    else if (parts[0] === "staff") await staffPage();
    else if (parts[0] === "audit") await auditPage();
    else if (parts[0] === "retention") await retentionPage();
    else if (parts[0].startsWith("holidays")) await holidaysPage();
  } catch (e) { view.replaceChildren(); showError(e); }
}

/* ---- conversation review ---- */
let filters = {};
async function conversationsPage() {
  const f = (name, label, attrs) => el("label", {}, label, el("input", {name, value: filters[name] || "", ...attrs}));
  const sel = (name, label, options) => el("label", {}, label, el("select", {name},
    ...options.map(([v, t]) => el("option", {value: v, selected: (filters[name] || "") === v ? true : null}, t))));
  const form = el("form", {class: "filters", "data-testid": "filters"},
    f("q", "全文检索", {placeholder: "如：身份证 补办", "data-testid": "search"}),
    f("date_from", "开始日期", {type: "date"}), f("date_to", "结束日期", {type: "date"}),
    sel("channel", "渠道", [["", "全部"], ["web", "网页"], ["wechat", "微信"]]),
    sel("handed_over", "转人工", [["", "全部"], ["true", "是"], ["false", "否"]]),
    sel("fell_back", "兜底", [["", "全部"], ["true", "是"], ["false", "否"]]),
    sel("rating", "评价", [["", "全部"], ["poor", "不满意及以下"], ["非常满意", "非常满意"], ["满意", "满意"], ["基本满意", "基本满意"], ["不满意", "不满意"], ["非常不满意", "非常不满意"]]),
    f("guide_id", "指南", {size: 14}), f("intent", "意图", {size: 12}),
    f("confidence_below", "置信度低于", {type: "number", step: "0.05", min: 0, max: 1}),
    el("button", {type: "submit"}, "查询"));
  form.onsubmit = (e) => { e.preventDefault(); filters = Object.fromEntries(new FormData(form)); conversationsPage(); };
  const qs = query(filters);
  const data = await api("GET", "/api/v1/review/conversations?" + qs + "&limit=50");
  const exports = el("div", {class: "row"}, "导出：",
    el("a", {href: "/api/v1/review/export/conversations.csv?" + qs, "data-testid": "export-csv"}, "CSV"),
    el("a", {href: "/api/v1/review/export/conversations.xlsx?" + qs, "data-testid": "export-xlsx"}, "Excel"),
    el("a", {href: "/api/v1/review/export/rasa-nlu.yml"}, "Rasa NLU 训练样例"),
    el("a", {href: "/api/v1/review/export/knowledge-eval.yml"}, "知识库评测样例"));
  const titles = Object.fromEntries((await guideOptions()).map((g) => [g.id, g.title]));
  const rows = data.items.map((c) => {
    const [outcome, tone] = OUTCOME[c.outcome] || [c.outcome, ""];
    return el("tr", {"data-testid": "conversation-row"},
      el("td", {}, el("a", {href: "#/conversations/" + c.id}, "#" + c.id)),
      el("td", {}, fmtTime(c.updated_at)), el("td", {}, c.channel === "wechat" ? "微信" : "网页"),
      el("td", {}, STATE[c.state] || c.state), el("td", {}, c.first_question),
      el("td", {"data-testid": "outcome"}, el("span", {class: "badge " + tone}, outcome)),
      el("td", {"data-testid": "guides"}, c.guides.map((g) => titles[g] || g).join("、")),
      el("td", {}, c.message_count),
      el("td", {}, c.min_confidence !== null ? el("span", {class: "badge"}, "最低置信度 " + c.min_confidence.toFixed(2)) : null,
        c.rating ? el("span", {class: "badge"}, c.rating) : null, c.annotations ? el("span", {class: "badge ok"}, "已标注 " + c.annotations) : null));
  });
  view.replaceChildren(el("h2", {}, "会话审阅"), form, exports,
    el("p", {"data-testid": "total"}, `共 ${data.total} 个会话（个人信息已脱敏）`),
    el("table", {}, el("tr", {}, ...["会话", "最近时间", "渠道", "状态", "首个问题", "结果", "回答指南", "消息数", "标记"].map((t) => el("th", {}, t))), ...rows));
}

let GUIDES = null;
async function guideOptions() { if (!GUIDES) GUIDES = await api("GET", "/api/v1/review/guides"); return GUIDES; }

function messageBlock(m, {annotate}) {
  const facts = [];
  if (m.role === "citizen") {
    if (m.intent) facts.push(`意图 ${m.intent}`);
    if (m.confidence !== null && m.confidence !== undefined) facts.push(`置信度 ${m.confidence.toFixed(2)}`);
    if (m.latency_ms !== null && m.latency_ms !== undefined) facts.push(`耗时 ${m.latency_ms} 毫秒`);
  } else if (m.role === "bot") {
    if (m.guide_id) facts.push(`指南 ${m.guide_title || m.guide_id}（${m.guide_id}）`);
    if (m.section) facts.push(`章节 ${m.section_title || m.section}`);
    if (m.score !== null && m.score !== undefined) facts.push(`得分 ${m.score.toFixed(2)}`);
    if (m.decision) facts.push(DECISION[m.decision] || m.decision);
    if (m.fell_back) facts.push("兜底");
    if (m.handed_over) facts.push("转人工");
  }
  const block = el("div", {class: "msg " + m.role, "data-testid": "msg-" + m.role, "data-message-id": m.id},
    el("strong", {}, ROLE_LABEL[m.role] + "："), el("span", {class: "text"}, m.text),
    facts.length ? el("div", {class: "facts", "data-testid": "facts"}, facts.join(" · ")) : null);
  if (ME.staff.role === "admin") {
    const out = el("span", {class: "revealed"});
    block.append(el("button", {type: "button", "data-testid": "reveal", onclick: async () => {
      const reason = prompt("查看原文将记入审计日志。请填写查看理由：");
      if (!reason) return;
      try { const r = await api("POST", `/api/v1/review/messages/${m.id}/reveal`, {reason}); out.textContent = " 原文：" + r.text; }
      catch (e) { out.textContent = e.message; }
    }}, "查看原文"), out);
  }
  if (annotate && m.role === "bot") block.append(annotationForm(m));
  else if (m.annotation) block.append(el("div", {class: "facts"}, `标注：${m.annotation.verdict === "correct" ? "正确" : m.annotation.verdict === "wrong" ? "错误" : "未判定"} ${m.annotation.comment || ""}`));
  return block;
}

function annotationForm(m) {
  const a = m.annotation || {};
  const guideSelect = el("select", {name: "expected_guide_id", "data-testid": "expected-guide"}, el("option", {value: ""}, "（应回答的指南）"));
  guideOptions().then((gs) => { for (const g of gs) guideSelect.append(el("option", {value: g.id, selected: a.expected_guide_id === g.id ? true : null}, g.title)); });
  const status = el("span", {class: "facts", "data-testid": "annotation-status"});
  const form = el("form", {class: "annotate", "data-testid": "annotate"},
    el("label", {}, el("input", {type: "radio", name: "verdict", value: "correct", checked: a.verdict === "correct" ? true : null}), "回答正确"),
    el("label", {}, el("input", {type: "radio", name: "verdict", value: "wrong", checked: a.verdict === "wrong" ? true : null}), "回答错误"),
    guideSelect,
    el("input", {name: "expected_intent", placeholder: "正确意图", value: a.expected_intent || "", size: 14}),
    el("input", {name: "tags", placeholder: "标签（逗号分隔）", value: (a.tags || []).join(","), size: 16}),
    el("input", {name: "comment", placeholder: "备注", value: a.comment || "", size: 24, "data-testid": "comment"}),
    el("button", {type: "submit", "data-testid": "save-annotation"}, "保存标注"), status);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    try {
      await api("PUT", `/api/v1/review/messages/${m.id}/annotation`, {verdict: d.verdict || null, expected_guide_id: d.expected_guide_id || null,
        expected_intent: d.expected_intent || null, tags: (d.tags || "").split(/[,，]/).map((t) => t.trim()).filter(Boolean), comment: d.comment || null});
      status.textContent = "已保存";
    } catch (err) { status.textContent = err.message; }
  };
  return form;
}

function turnsView(t, annotate) {
  return t.turns.map((turn) => el("div", {class: "turn", "data-testid": "turn"},
    turn.citizen ? messageBlock(turn.citizen, {annotate}) : null, ...turn.replies.map((r) => messageBlock(r, {annotate}))));
}

async function transcriptPage(id) {
  const t = await api("GET", "/api/v1/review/conversations/" + id);
  const c = t.conversation;
  view.replaceChildren(el("h2", {}, `会话 #${c.id}`),
    el("p", {}, `渠道：${c.channel === "wechat" ? "微信" : "网页"} · 状态：${STATE[c.state]} · 开始：${fmtTime(c.created_at)}${c.rating ? " · 评价：" + c.rating : ""}${t.callback_phone ? " · 回拨电话：" + t.callback_phone : ""}`),
    el("p", {class: "facts"}, "个人信息（证件号、手机号、姓名）已脱敏；仅管理员可查看原文，且记入审计。"),
    ...turnsView(t, ME.staff.role !== "analyst"));
}

/* ---- handover ---- */
// Waiting conversations already alerted (sound and title), so each turns red once, not on every refresh.
const alerted = new Set();
const BASE_TITLE = document.title;

function beep() {
  // Browsers may refuse sound until the agent has clicked in the page; the title still flashes.
  try {
    const audio = new AudioContext(), tone = audio.createOscillator();
    tone.frequency.value = 880; tone.connect(audio.destination); tone.start(); tone.stop(audio.currentTime + 0.3);
  } catch (e) { /* no audio: the title alert remains */ }
}

function alertLate(waiting) {
  const late = waiting.filter((i) => i.wait_level === "red");
  document.title = late.length ? `【${late.length} 个会话等待过久】${BASE_TITLE}` : BASE_TITLE;
  if (late.some((i) => !alerted.has(i.id))) beep();
  for (const i of late) alerted.add(i.id);
}

async function inboxPage() {
  const data = await api("GET", "/api/v1/handover/inbox");
  const mine = (i) => i.assigned_staff_id === ME.staff.id;
  const table = (items, testid) => el("table", {"data-testid": testid}, el("tr", {}, ...["会话", "渠道", "等待时间", "群众的问题", "回拨电话", "处理人"].map((t) => el("th", {}, t))),
    ...items.map((i) => el("tr", {"data-testid": "inbox-row", class: mine(i) ? "mine" : null}, el("td", {}, el("a", {href: "#/inbox/" + i.id}, "#" + i.id)),
      el("td", {}, i.channel === "wechat" ? "微信" : "网页"),
      el("td", {"data-testid": "waiting-time", class: i.wait_level ? "wait " + i.wait_level : null}, fmtWait(i.waiting_seconds)),
      el("td", {"data-testid": "question"}, i.question || el("span", {class: "facts"}, "（只要求了转人工）")),
      el("td", {}, i.callback_phone || ""), el("td", {}, i.assigned_staff_name || "", mine(i) ? el("span", {class: "badge ok"}, "我的") : null))));
  alertLate(data.waiting);
  const inProgress = [...data.in_progress.filter(mine), ...data.in_progress.filter((i) => !mine(i))];
  view.replaceChildren(el("h2", {}, "人工接管"),
    el("p", {class: data.office_open ? "facts" : "notice"}, `人工服务时间：${data.office_hours}。${data.office_open ? "当前为工作时间。" : "当前为非工作时间，群众已被告知回复时间，可留回拨电话。"}`),
    el("h3", {}, `等待接入（${data.waiting.length}）`),
    el("p", {class: "facts"}, `等待超过 ${Math.round(data.alert_after_seconds / 60)} 分钟标红并提醒（声音、标签页标题）。`),
    table(data.waiting, "waiting"),
    el("h3", {}, `处理中（${data.in_progress.length}）`), table(inProgress, "in-progress"));
  refreshTimer = setInterval(() => { if (location.hash === "#/inbox") inboxPage().catch(() => {}); }, 5000);
}

function insertAtCursor(textarea, text) {
  const at = textarea.selectionStart ?? textarea.value.length;
  const before = textarea.value.slice(0, at);
  const gap = before && !before.endsWith("\n") ? "\n" : "";  // a canned greeting, then the guide section below it
  textarea.value = before + gap + text + textarea.value.slice(textarea.selectionEnd ?? at);
  textarea.focus();
}

/** Canned replies and guide sections (with their source line) go into the reply box, where the agent can edit them. */
async function replyTools(textarea) {
  const [canned, guides] = await Promise.all([api("GET", "/api/v1/handover/canned-replies"), guideOptions()]);
  const cannedSelect = el("select", {"data-testid": "canned-select", onchange: (e) => {
    const r = canned.find((x) => String(x.id) === e.target.value); if (r) insertAtCursor(textarea, r.text); e.target.value = "";
  }}, el("option", {value: ""}, canned.length ? "插入快捷回复…" : "（暂无快捷回复）"), ...canned.map((r) => el("option", {value: r.id}, r.title)));
  const sectionSelect = el("select", {"data-testid": "section-select", disabled: true}, el("option", {value: ""}, "选择章节…"));
  let sections = [];
  const guideSelect = el("select", {"data-testid": "guide-select", onchange: async (e) => {
    sections = e.target.value ? await api("GET", `/api/v1/handover/guides/${encodeURIComponent(e.target.value)}/sections`) : [];
    sectionSelect.replaceChildren(el("option", {value: ""}, "选择章节…"), ...sections.map((x) => el("option", {value: x.section}, x.title)));
    sectionSelect.disabled = !sections.length;
  }}, el("option", {value: ""}, "插入办事指南…"), ...guides.map((g) => el("option", {value: g.id}, g.title)));
  sectionSelect.onchange = (e) => { const x = sections.find((y) => y.section === e.target.value); if (x) insertAtCursor(textarea, x.text); e.target.value = ""; };
  return el("div", {class: "row"}, cannedSelect, guideSelect, sectionSelect);
}

async function transferTool(id) {
  const agents = (await api("GET", "/api/v1/handover/agents")).filter((a) => a.id !== ME.staff.id);
  const select = el("select", {"data-testid": "transfer-select"}, el("option", {value: ""}, "转给…"), ...agents.map((a) => el("option", {value: a.id}, a.display_name)));
  return el("span", {}, select, el("button", {type: "button", "data-testid": "transfer", onclick: async () => {
    if (!select.value) return;
    try { await api("POST", `/api/v1/handover/${id}/transfer`, {staff_id: Number(select.value)}); location.hash = "#/inbox"; } catch (e) { showError(e); }
  }}, "转接"));
}

function notesView(id, notes) {
  const form = el("form", {class: "row", "data-testid": "note-form"}, el("input", {name: "text", "data-testid": "note-text", placeholder: "内部备注（仅工作人员可见，群众看不到）", size: 60}),
    el("button", {type: "submit"}, "添加备注"));
  const list = el("ul", {"data-testid": "notes"});
  const fill = (items) => list.replaceChildren(...items.map((n) => el("li", {}, el("span", {class: "facts"}, `${fmtTime(n.created_at)} ${n.staff_name}：`), n.text)));
  fill(notes);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const text = new FormData(form).get("text");
    if (!text.trim()) return;
    try { fill(await api("POST", `/api/v1/handover/${id}/notes`, {text})); form.reset(); } catch (err) { showError(err); }
  };
  return el("section", {class: "notes"}, el("h3", {}, "内部备注"), list, form);
}

async function handoverPage(id) {
  const [t, notes] = await Promise.all([api("GET", "/api/v1/handover/" + id), api("GET", `/api/v1/handover/${id}/notes`)]);
  const c = t.conversation;
  const mine = c.state === "human" && t.assigned_staff_id === ME.staff.id;
  const act = (label, path, testid) => el("button", {type: "button", "data-testid": testid, onclick: async () => {
    try { await api("POST", `/api/v1/handover/${id}/${path}`); path === "claim" ? handoverPage(id) : (location.hash = "#/inbox"); } catch (e) { showError(e); }
  }}, label);
  const textarea = el("textarea", {name: "text", "data-testid": "reply-text", placeholder: `回复群众（对方看到的署名：${ME.staff.display_name}）`});
  const reply = el("form", {"data-testid": "reply-form"}, mine ? await replyTools(textarea) : null, textarea,
    el("button", {type: "submit", "data-testid": "send-reply"}, "发送"));
  reply.onsubmit = async (e) => {
    e.preventDefault();
    const text = textarea.value;
    if (!text.trim()) return;
    try { await api("POST", `/api/v1/handover/${id}/reply`, {text}); handoverPage(id); } catch (err) { showError(err); }
  };
  const phoneOut = el("span", {"data-testid": "callback-phone"});
  view.replaceChildren(el("h2", {}, `人工接管 · 会话 #${c.id}`),
    el("p", {"data-testid": "handover-state"}, `状态：${STATE[c.state]}`, t.callback_phone ? ` · 回拨电话：${t.callback_phone}` : ""),
    el("div", {class: "row"},
      c.state === "waiting" ? act("接入", "claim", "claim") : null,
      c.state === "waiting" || mine ? act("转回智能助手", "hand-back", "hand-back") : null,
      c.state !== "closed" && (c.state === "waiting" || mine) ? act("结束会话", "close", "close") : null,
      mine || (c.state === "human" && ME.staff.role === "admin") ? await transferTool(id) : null,
      t.callback_phone && mine ? el("button", {type: "button", onclick: async () => { const r = await api("POST", `/api/v1/handover/${id}/callback-phone`); phoneOut.textContent = r.phone; }}, "查看完整回拨电话（记入审计）") : null, phoneOut),
    ...turnsView(t, false), mine ? reply : null, notesView(id, notes));
  // Refreshes unless the agent is typing or has a draft (an inserted canned reply or guide section).
  if (c.state === "human" || c.state === "waiting") refreshTimer = setInterval(() => {
    const busy = document.activeElement.matches("textarea, input, select") || textarea.value || view.querySelector("[data-testid=note-text]").value;
    if (location.hash === "#/inbox/" + id && !busy) handoverPage(id).catch(() => {});
  }, 8000);
}

/* ---- canned replies (admins) ---- */
async function cannedPage() {
  const replies = await api("GET", "/api/v1/handover/canned-replies");
  const save = (form, rid) => async (e) => {
    e.preventDefault();
    try { await api(rid ? "PUT" : "POST", "/api/v1/handover/canned-replies" + (rid ? "/" + rid : ""), Object.fromEntries(new FormData(form))); cannedPage(); } catch (err) { showError(err); }
  };
  const editor = (r) => {
    const form = el("form", {class: "row canned", "data-testid": "canned-form"}, el("input", {name: "title", value: r ? r.title : "", placeholder: "名称", required: true, size: 12}),
      el("textarea", {name: "text", required: true, placeholder: "回复内容"}, r ? r.text : ""), el("button", {type: "submit"}, r ? "保存" : "新建"),
      r ? el("button", {type: "button", onclick: async () => { try { await api("DELETE", "/api/v1/handover/canned-replies/" + r.id); cannedPage(); } catch (err) { showError(err); } }}, "删除") : null);
    form.onsubmit = save(form, r && r.id);
    return form;
  };
  view.replaceChildren(el("h2", {}, "快捷回复"), el("p", {class: "facts"}, "坐席在人工接管的会话中可插入这些回复；新建、修改、删除均记入审计。"),
    editor(null), el("h3", {}, `已有快捷回复（${replies.length}）`), ...replies.map(editor));
}

/* ---- requests ---- */
async function requestsPage() {
  const status = new URLSearchParams(location.hash.split("?")[1] || "").get("status") || "";
  const data = await api("GET", "/api/v1/staff/requests?" + query({status}));
  const select = el("select", {"data-testid": "status-filter", onchange: (e) => { location.hash = "#/requests?" + query({status: e.target.value}); }},
    el("option", {value: ""}, "全部状态"), ...Object.entries(STATUS).map(([v, t]) => el("option", {value: v, selected: v === status ? true : null}, t)));
  const follow = await api("GET", "/api/v1/staff/follow-ups");
  view.replaceChildren(el("h2", {}, "办件管理"), el("div", {class: "row"}, "状态：", select, `共 ${data.total} 件`),
    el("table", {}, el("tr", {}, ...["受理编号", "事项", "申请人", "手机", "办理方式", "状态", "提交时间"].map((t) => el("th", {}, t))),
      ...data.items.map((r) => el("tr", {"data-testid": "request-row"}, el("td", {}, el("a", {href: "#/requests/" + encodeURIComponent(r.tracking_no)}, r.tracking_no)),
        el("td", {}, r.service_title), el("td", {}, r.applicant_name), el("td", {}, r.phone), el("td", {}, r.mode_label),
        el("td", {"data-testid": "request-status"}, r.status_label), el("td", {}, fmtTime(r.created_at))))),
    el("h3", {}, `差评回访任务（${follow.length}）`),
    el("table", {"data-testid": "follow-ups"}, el("tr", {}, ...["评价", "内容", "会话/办件", "时间", ""].map((t) => el("th", {}, t))),
      ...follow.map((f) => el("tr", {}, el("td", {}, f.level), el("td", {}, f.comment || ""),
        el("td", {}, f.conversation_id ? el("a", {href: "#/conversations/" + f.conversation_id}, "会话 #" + f.conversation_id) : f.request_id ? "办件 " + f.request_id : "一件事申请 " + f.bundle_id),
        el("td", {}, fmtTime(f.created_at)), el("td", {}, el("button", {type: "button", onclick: async () => {
          const note = prompt("回访记录："); if (note === null) return;
          await api("POST", `/api/v1/staff/follow-ups/${f.id}/done`, {note}); requestsPage();
        }}, "已回访"))))));
  await showCoverageWarning();  // holidays.js
}

async function requestPage(no) {
  const r = await api("GET", "/api/v1/staff/requests/" + encodeURIComponent(no));
  const form = el("form", {class: "row", "data-testid": "status-form"},
    el("select", {name: "to", "data-testid": "status-to"}, ...["accepted", "in_progress", "completed", "rejected"].map((s) => el("option", {value: s}, STATUS[s]))),
    el("input", {name: "reason", placeholder: "理由（不予受理时必填，群众可见）", size: 40, "data-testid": "status-reason"}),
    el("button", {type: "submit", "data-testid": "status-submit"}, "变更状态"));
  form.onsubmit = async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    try { await api("POST", `/api/v1/staff/requests/${encodeURIComponent(no)}/status`, {to: d.to, reason: d.reason || null}); requestPage(no); }
    catch (err) { showError(err); }
  };
  view.replaceChildren(el("h2", {}, `办件 ${r.tracking_no}`),
    el("p", {"data-testid": "request-detail-status"}, `${r.service_title} · 当前状态：${r.status_label}`),
    el("p", {}, `申请人 ${r.applicant_name} · 证件号 ${r.id_number} · 手机 ${r.phone} · ${r.mode_label}${r.office ? " · " + r.office + " " + r.day + " " + r.period : ""}`),
    form,
    el("h3", {}, "流转记录"),
    el("table", {"data-testid": "history"}, el("tr", {}, ...["时间", "状态", "操作人", "理由"].map((t) => el("th", {}, t))),
      ...r.history.map((h) => el("tr", {}, el("td", {}, fmtTime(h.at)), el("td", {}, h.label), el("td", {}, h.by), el("td", {}, h.reason || "")))));
}

/* ---- analytics ---- */
const LINE_CHARTS = new Set(["per_day", "satisfaction_trend"]);
async function analyticsPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const period = {date_from: params.get("date_from") || "", date_to: params.get("date_to") || ""};
  const form = el("form", {class: "filters"}, el("label", {}, "开始日期", el("input", {type: "date", name: "date_from", value: period.date_from})),
    el("label", {}, "结束日期", el("input", {type: "date", name: "date_to", value: period.date_to})), el("button", {type: "submit"}, "统计"));
  form.onsubmit = (e) => { e.preventDefault(); location.hash = "#/analytics?" + query(Object.fromEntries(new FormData(form))); };
  const data = await api("GET", "/api/v1/analytics/overview?" + query(period));
  const t = data.totals;
  const grid = el("div", {class: "charts"});
  view.replaceChildren(el("h2", {}, "数据分析"), form,
    el("div", {class: "totals", "data-testid": "totals"}, el("span", {}, `会话 ${t.conversations}`), el("span", {}, `消息 ${t.messages}`),
      el("span", {}, `群众提问 ${t.questions}`), el("span", {}, `办件 ${t.requests}`), el("span", {}, `平均办结 ${t.avg_hours_to_complete} 小时`),
      el("span", {"data-testid": "life-event-totals", title: "清单显示后，会话结束前既没有一次申请、也没有逐项查看完（docs/life-events.md）"},
        `人生事项咨询 ${t.life_event_questions} · 清单半途而止 ${t.checklists_half_way}（${t.checklists_half_way_pct}%）`)),
    grid, el("h3", {}, "知识盲区（未答好的问题按语义聚类）"), el("div", {id: "gaps", "data-testid": "gaps"}, "正在聚类…"));
  for (const s of data.charts) {
    const canvas = el("canvas", {"data-testid": "chart-" + s.key, "aria-label": s.title, role: "img"});
    const card = el("div", {class: "chart-card"}, el("strong", {}, s.title), el("div", {class: "chart-box"}, canvas),
      el("div", {class: "tools"}, el("a", {href: `/api/v1/analytics/export/${s.key}.csv?` + query(period), "data-testid": "export-" + s.key}, "导出 CSV"), " ",
        el("a", {href: "#", onclick: (e) => { e.preventDefault(); const a = el("a", {href: chart.toBase64Image(), download: s.key + ".png"}); a.click(); }}, "导出图片")));
    grid.append(card);
    const palette = ["#c8102e", "#2563eb", "#16a34a", "#f59e0b"];
    const chart = new Chart(canvas, {
      type: LINE_CHARTS.has(s.key) ? "line" : "bar",
      data: {labels: s.labels, datasets: Object.entries(s.series).map(([name, values], i) => ({label: name, data: values, backgroundColor: palette[i % 4], borderColor: palette[i % 4]}))},
      options: {animation: false, responsive: true, maintainAspectRatio: false, scales: {y: {beginAtZero: true}}},
    });
    charts.push(chart);
  }
  const gaps = await api("GET", "/api/v1/analytics/gaps?" + query(period));
  const box = document.getElementById("gaps");
  if (!box) return;
  if (!gaps.available) { box.replaceChildren(el("p", {class: "notice"}, gaps.message, `（共 ${gaps.questions} 个未答好的问题）`)); return; }
  box.replaceChildren(el("p", {}, `共 ${gaps.questions} 个未答好的问题，按语义聚成 ${gaps.clusters.length} 类（大的在前）。 `,
    el("a", {href: "/api/v1/analytics/export/gaps.csv?" + query(period)}, "导出 CSV")),
    ...(gaps.capped ? [el("p", {class: "notice", "data-testid": "gaps-capped"}, `只聚类了区间内最近的 ${gaps.analysed} 个问题（上限 ${gaps.max_questions}），更早的 ${gaps.questions - gaps.analysed} 个未计入下面的类别。`)] : []),
    ...gaps.clusters.map((c, i) => el("div", {class: "cluster"}, el("strong", {}, `第 ${i + 1} 类 · ${c.size} 个问题`),
      c.attempted_guides.length ? el("span", {class: "facts"}, " 曾匹配：" + c.attempted_guides.join("、")) : null,
      el("ul", {}, ...c.examples.map((x, j) => el("li", {}, c.example_conversations[j] === undefined ? x
        : el("a", {href: "#/conversations/" + c.example_conversations[j], "data-testid": "gap-example"}, x)))))));
}

/* ---- admin ---- */
async function staffPage() {
  const [users, departments] = await Promise.all([api("GET", "/api/v1/staff/accounts"), api("GET", "/api/v1/staff/departments")]);
  // An agent of a department changes only its requests; "全部部门" is the one window's staff and admins.
  const departmentOptions = (chosen) => [el("option", {value: ""}, "全部部门"),
    ...departments.map((d) => el("option", {value: d, selected: d === chosen ? true : null}, d))];
  const form = el("form", {class: "filters"}, el("label", {}, "用户名", el("input", {name: "username", required: true})),
    el("label", {}, "姓名或工号（群众可见）", el("input", {name: "display_name"})),
    el("label", {}, "角色", el("select", {name: "role"}, ...Object.entries(ROLE_NAMES).map(([v, t]) => el("option", {value: v}, t)))),
    el("label", {}, "部门", el("select", {name: "department"}, ...departmentOptions(""))),
    el("label", {}, "初始密码", el("input", {name: "password", type: "password", required: true})), el("button", {type: "submit"}, "新建账号"));
  form.onsubmit = async (e) => { e.preventDefault(); try { await api("POST", "/api/v1/staff/accounts", Object.fromEntries(new FormData(form))); staffPage(); } catch (err) { showError(err); } };
  const patch = (id, body) => async () => { try { await api("PATCH", "/api/v1/staff/accounts/" + id, body); staffPage(); } catch (err) { showError(err); } };
  view.replaceChildren(el("h2", {}, "账号管理"), form,
    el("table", {"data-testid": "accounts"}, el("tr", {}, ...["用户名", "姓名", "角色", "部门", "状态", "最近登录", "操作"].map((t) => el("th", {}, t))),
      ...users.map((u) => el("tr", {}, el("td", {}, u.username), el("td", {}, u.display_name), el("td", {}, ROLE_NAMES[u.role]),
        el("td", {}, el("select", {"aria-label": "部门", onchange: (e) => patch(u.id, {department: e.target.value})()}, ...departmentOptions(u.department))),
        el("td", {}, u.active ? (u.locked_until && new Date(u.locked_until) > new Date() ? "已锁定" : "正常") : "已停用"), el("td", {}, fmtTime(u.last_login_at)),
        el("td", {}, el("select", {onchange: (e) => patch(u.id, {role: e.target.value})()}, ...Object.entries(ROLE_NAMES).map(([v, t]) => el("option", {value: v, selected: v === u.role ? true : null}, t))),
          el("button", {type: "button", onclick: patch(u.id, {unlock: true})}, "解锁"),
          el("button", {type: "button", onclick: patch(u.id, {active: !u.active})}, u.active ? "停用" : "启用"))))));
}

async function auditPage() {
  const data = await api("GET", "/api/v1/staff/audit?limit=200");
  view.replaceChildren(el("h2", {}, "审计日志"), el("p", {}, `共 ${data.total} 条，显示最近 200 条`),
    el("table", {"data-testid": "audit"}, el("tr", {}, ...["时间", "人员", "操作", "对象", "理由", "详情", "IP"].map((t) => el("th", {}, t))),
      ...data.items.map((a) => el("tr", {"data-testid": "audit-row"}, el("td", {}, fmtTime(a.at)), el("td", {}, a.username), el("td", {}, a.action),
        el("td", {}, a.target_type ? `${a.target_type}/${a.target_id}` : ""), el("td", {}, a.reason || ""),
        el("td", {class: "facts"}, a.detail ? JSON.stringify(a.detail) : ""), el("td", {}, a.ip || "")))));
}

async function retentionPage() {
  const r = await api("GET", "/api/v1/retention/report");
  view.replaceChildren(el("h2", {}, "数据保留"),
    el("p", {}, `匿名会话保留 ${r.anonymous_days} 天（之后删除）；实名会话保留 ${r.identified_days} 天（之后匿名化）；对话引擎（Rasa）中的记录随之删除；办事申请办结（含不予受理、已撤回）${r.request_days} 天后匿名化申请人信息，受理编号和办理记录保留。每日自动执行。`),
    el("table", {"data-testid": "retention-report"},
      el("tr", {}, el("th", {}, "将删除的匿名会话"), el("td", {}, r.anonymous_to_delete)),
      el("tr", {}, el("th", {}, "将匿名化的实名会话"), el("td", {}, r.identified_to_anonymise)),
      el("tr", {}, el("th", {}, "涉及消息"), el("td", {}, r.messages_affected)),
      el("tr", {}, el("th", {}, "最早一条"), el("td", {}, fmtTime(r.oldest_affected))),
      el("tr", {}, el("th", {}, "仍在人工处理而跳过"), el("td", {}, r.skipped_open_handover)),
      el("tr", {}, el("th", {}, "将删除的对话引擎记录（Rasa）"), el("td", {}, r.tracker_events_to_delete)),
      el("tr", {}, el("th", {}, "将匿名化的办事申请"), el("td", {}, r.requests_to_anonymise)),
      el("tr", {}, el("th", {}, "最早办结的一件"), el("td", {}, fmtTime(r.oldest_request_end))),
      el("tr", {}, el("th", {}, "超过保留期仍未办结（请核实）"), el("td", {}, r.requests_open_past_period))),
    el("p", {}, el("button", {type: "button", onclick: async () => {
      if (!confirm("确定立即执行？删除后无法恢复。")) return;
      try { await api("POST", "/api/v1/retention/run"); retentionPage(); } catch (e) { showError(e); }
    }}, "立即执行")));
}

start();
