const config = require("../../config.js");
const app = getApp();

const POPULAR = ["身份证补办", "社保卡办理", "公积金提取", "户口迁移", "营业执照办理", "医保报销", "转人工"];
const BANNERS = {
  waiting: "已为您转接人工客服，请稍候，回复会显示在这里。",
  human: "人工客服已接入，正在为您服务。",
  closed: "本次人工服务已结束，您可以继续向智能助手提问。"
};

function clock() {
  const d = new Date();
  const pad = (n) => (n < 10 ? "0" : "") + n;
  return pad(d.getHours()) + ":" + pad(d.getMinutes());
}

function isHttpUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url);
}

Page({
  data: { items: [], draft: "", typing: false, banner: "", offline: false, elder: false, popular: POPULAR,
          bottom: "", offer: null },
  lastId: 0,
  seen: {},
  pollTimer: null,

  onLoad() {
    this.setData({ elder: !!wx.getStorageSync("govchat-elder") });
    app.login().catch(() => this.notice("登录失败，请检查网络后重新进入。"));
  },

  onUnload() { this.stopPolling(); },

  request(path, options) {
    return new Promise((resolve, reject) => {
      wx.request(Object.assign({
        url: config.apiBase + path,
        header: { Authorization: "Bearer " + app.globalData.token },
        // Above the gateway's longest answer: queue (GOVCHAT_RASA_QUEUE_SECONDS, 10 s) + Rasa timeout (15 s).
        timeout: 30000,
        success: (res) => {
          if (res.statusCode === 401) {  // token expired: log in again once
            app.forgetLogin();
            app.login().then(() => this.request(path, options).then(resolve, reject), reject);
            return;
          }
          resolve(res);
        },
        fail: reject
      }, options));
    });
  },

  push(item) {
    const items = this.data.items.concat([Object.assign({ key: "k" + Date.now() + Math.random(), time: clock() }, item)]);
    this.setData({ items, bottom: "bottom-anchor" });
    return items.length - 1;
  },

  notice(text) { this.push({ role: "system", text }); },

  addServerMessage(m) {
    if (typeof m.id === "number") {
      if (this.seen[m.id]) { return; }
      this.seen[m.id] = true;
      this.lastId = Math.max(this.lastId, m.id);
    }
    const source = m.source ? Object.assign({}, m.source, { url: isHttpUrl(m.source.url) ? m.source.url : "" }) : null;
    this.push({ role: m.role === "staff" ? "staff" : (m.role === "system" ? "system" : "bot"), text: m.text || "",
                buttons: m.buttons && m.buttons.length ? m.buttons : null, source,
                sender: typeof m.sender === "string" ? m.sender : "" });
  },

  setState(state) {
    this.setData({ banner: BANNERS[state] || "" });
    if (state === "waiting" || state === "human") { this.startPolling(); } else { this.stopPolling(); }
  },

  startPolling() {
    if (this.pollTimer) { return; }
    this.pollTimer = setInterval(() => this.sync(), config.pollSeconds * 1000);
  },

  stopPolling() {
    if (this.pollTimer) { clearInterval(this.pollTimer); this.pollTimer = null; }
  },

  sync() {
    return this.request("/wechat/chat/messages?after=" + this.lastId, { method: "GET" }).then((res) => {
      if (res.statusCode !== 200) { return 0; }
      this.setData({ offline: false });
      const before = this.lastId;
      (res.data.messages || []).forEach((m) => this.addServerMessage(m));
      this.setState(res.data.state);
      return this.lastId > before ? 1 : 0;
    });
  },

  send(text, display) {
    text = (text || "").trim();
    if (!text) { return; }
    const index = this.push({ role: "citizen", text: display || text, payload: text, status: "pending" });
    this.deliver(index);
  },

  deliver(index) {
    const item = this.data.items[index];
    this.setData({ typing: true });
    this.request("/wechat/chat", { method: "POST", data: { text: item.payload } }).then((res) => {
      this.setData({ typing: false, offline: false, ["items[" + index + "].status"]: "sent" });
      if (res.statusCode === 200) {
        (res.data.messages || []).forEach((m) => this.addServerMessage(m));
        this.setState(res.data.state);
        if (res.data.listen) { this.loadOffer(); }  // an open request here: notices may be worth asking for
      } else {
        this.notice((res.data && res.data.detail) || "请求没有成功，请稍后再试。");
      }
    }, () => {
      this.setData({ typing: false, offline: true, ["items[" + index + "].status"]: "failed" });
      setTimeout(() => this.retry(index), 3000);
    });
  },

  // After a network drop: if a reply arrived meanwhile the message did reach the gateway, so it is not resent.
  retry(index) {
    this.sync().then((gotNew) => {
      if (gotNew) { this.setData({ ["items[" + index + "].status"]: "sent" }); } else { this.deliver(index); }
    }, () => setTimeout(() => this.retry(index), 5000));
  },

  // Subscribe messages (订阅消息): WeChat lets the page ask only from a tap, so an open request shows a button.
  loadOffer() {
    this.request("/wechat/subscriptions", { method: "GET" }).then((res) => {
      const offer = res.statusCode === 200 && res.data.templates && res.data.templates.length ? res.data : null;
      this.setData({ offer });
    }, () => {});
  },

  tapSubscribe() {
    const offer = this.data.offer;
    if (!offer) { return; }
    wx.requestSubscribeMessage({
      tmplIds: offer.templates.map((t) => t.template_id),
      success: (res) => {
        const results = {};
        offer.templates.forEach((t) => { if (res[t.template_id]) { results[t.template_id] = res[t.template_id]; } });
        this.request("/wechat/subscriptions", { method: "POST", data: { tracking_no: offer.tracking_no, results } })
          .then((answer) => {
            const accepted = answer.statusCode === 200 ? answer.data.accepted.length : 0;
            this.notice(accepted ? "已订阅，办件有进展时会通过微信服务通知提醒您。" : "您未订阅通知，可随时发送「办到哪了」查询进度。");
            this.loadOffer();
          }, () => {});
      },
      fail: () => this.notice("订阅没有成功，您可以稍后再试，或发送「办到哪了」查询进度。")
    });
  },

  onInput(e) { this.setData({ draft: e.detail.value }); },
  onSend() { const text = this.data.draft; this.setData({ draft: "" }); this.send(text); },
  tapChip(e) { this.send(e.currentTarget.dataset.title); },
  tapButton(e) { this.send(e.currentTarget.dataset.payload || e.currentTarget.dataset.title, e.currentTarget.dataset.title); },

  copySource(e) {
    const url = e.currentTarget.dataset.url;
    if (!url) { return; }
    // Mini-programs cannot open arbitrary web pages; copy the official link for the citizen.
    wx.setClipboardData({ data: url });
  },

  toggleElder() {
    const elder = !this.data.elder;
    wx.setStorageSync("govchat-elder", elder);
    this.setData({ elder });
  }
});
