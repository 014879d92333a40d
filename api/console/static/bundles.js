"use strict";
/* 一件事申请 (admins and agents): one application for a life event, one row per item. Each item is an ordinary
   request of its department: its status is changed here or on its own page (#/requests/<item number>).
   Uses el, api, showError, fmtTime, query, view and STATUS from app.js. */
const STAFF_TARGETS = ["accepted", "in_progress", "completed", "rejected"];

function itemStatusForm(item) {
  const form = el("form", {class: "row", "data-testid": "item-status-form"},
    el("select", {name: "to", "aria-label": "新状态"}, ...STAFF_TARGETS.map((s) => el("option", {value: s}, STATUS[s]))),
    el("input", {name: "reason", placeholder: "理由（不予受理时必填）", size: 16, "aria-label": "理由"}),
    el("button", {type: "submit"}, "变更"));
  form.onsubmit = async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    try {
      await api("POST", `/api/v1/staff/requests/${encodeURIComponent(item.tracking_no)}/status`, {to: d.to, reason: d.reason || null});
      await bundlesPage();
    } catch (err) { showError(err); }
  };
  return form;
}

function bundleRows(b) {
  const when = b.day ? `${b.office} ${b.day} ${b.period}` : "全部网上办理";
  const head = el("tr", {class: "bundle", "data-testid": "bundle-row"}, el("td", {colspan: 7},
    el("strong", {}, `${b.tracking_no} · ${b.event_title}`),
    ` · 申请人 ${b.applicant_name} · 手机 ${b.phone} · 预约 ${when} · 提交于 ${fmtTime(b.created_at)}`));
  const items = b.items.map((i) => el("tr", {"data-testid": "bundle-item"},
    el("td", {}, el("a", {href: "#/requests/" + encodeURIComponent(i.tracking_no)}, i.tracking_no)),
    el("td", {}, i.service_title), el("td", {}, i.department || ""), el("td", {}, i.mode_label),
    el("td", {"data-testid": "item-status"}, i.status_label),
    el("td", {}, ...i.facts.map((f) => el("div", {}, `${f.question.replace(/[？?]$/, "")}：${f.value}`))),
    el("td", {}, ["completed", "rejected", "cancelled"].includes(i.status) ? "" : itemStatusForm(i))));
  return [head, ...items];
}

async function bundlesPage() {
  const event = new URLSearchParams(location.hash.split("?")[1] || "").get("life_event_id") || "";
  const data = await api("GET", "/api/v1/staff/bundles?" + query({life_event_id: event}));
  const options = [{id: "", title: "全部"}, ...data.events].map((ev) =>
    el("option", {value: ev.id, selected: ev.id === event}, ev.title));
  const select = el("select", {name: "life_event_id", "aria-label": "一件事", "data-testid": "event-filter"}, ...options);
  const filter = el("form", {class: "row"}, "一件事：", select, el("button", {type: "submit"}, "筛选"), `共 ${data.total} 件`);
  filter.onsubmit = (e) => { e.preventDefault(); location.hash = "#/bundles?" + query({life_event_id: select.value}); };
  view.replaceChildren(el("h2", {}, "一件事申请"), filter,
    el("table", {"data-testid": "bundles"},
      el("tr", {}, ...["受理编号", "事项", "部门", "办理方式", "状态", "事项信息", "变更状态"].map((t) => el("th", {}, t))),
      ...data.items.flatMap(bundleRows)));
}
