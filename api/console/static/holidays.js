"use strict";
/* 节假日表 (admins) and the warning when the booking window reaches a year the table does not cover (admins and
   agents, also on the requests page). Uses el, api, showError and view from app.js. */
const DAY_KIND = {holiday: "法定节假日", workday: "调休上班日"};
const WEEKDAY = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

function coverageBanner(warning) {
  return el("p", {class: "notice", role: "alert", "data-testid": "holiday-warning"}, warning);
}

async function showCoverageWarning() {
  const c = await api("GET", "/api/v1/holidays/coverage");
  if (c.warning) view.querySelector("h2").after(coverageBanner(c.warning));
}

async function holidaysPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const all = await api("GET", "/api/v1/holidays");
  const years = [...new Set([...all.years, ...all.uncovered_years, ...all.days.map((d) => Number(d.day.slice(0, 4)))])].sort();
  const year = Number(params.get("year")) || all.uncovered_years[0] || years[years.length - 1];
  const data = await api("GET", "/api/v1/holidays?" + query({year}));
  const change = (fn) => async () => { try { await fn(); holidaysPage(); } catch (e) { showError(e); } };
  const input = (name, attrs) => el("input", {name, ...attrs});
  const kindSelect = (name, value) => el("select", {name}, ...Object.entries(DAY_KIND).map(([v, t]) =>
    el("option", {value: v, selected: v === value ? true : null}, t)));
  const add = el("form", {class: "filters", "data-testid": "holiday-add", onsubmit: (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    change(() => api("POST", "/api/v1/holidays/days", {first: f.first, last: f.last || null, kind: f.kind, name: f.name}))();
  }},
  el("label", {}, "开始日期", input("first", {type: "date", required: true})),
  el("label", {}, "结束日期（单日可不填）", input("last", {type: "date"})),
  el("label", {}, "类别", kindSelect("kind", "holiday")),
  el("label", {}, "名称", input("name", {maxlength: 32, placeholder: "如：春节"})),
  el("button", {type: "submit"}, "添加"));
  const covered = data.years.includes(year);
  const row = (d) => {
    const kind = kindSelect("kind", d.kind), name = input("name", {value: d.name, maxlength: 32});
    return el("tr", {"data-testid": "holiday-row", "data-day": d.day},
      el("td", {}, d.day), el("td", {}, WEEKDAY[new Date(d.day + "T12:00:00Z").getUTCDay()]), el("td", {}, kind), el("td", {}, name),
      el("td", {}, el("button", {type: "button", onclick: change(() =>
        api("PUT", `/api/v1/holidays/days/${d.day}`, {kind: kind.value, name: name.value}))}, "保存"), " ",
      el("button", {type: "button", onclick: () => { if (confirm(`删除 ${d.day}？`)) change(() => api("DELETE", `/api/v1/holidays/days/${d.day}`))(); }}, "删除")));
  };
  view.replaceChildren(el("h2", {}, "节假日表"),
    ...(data.warning ? [coverageBanner(data.warning)] : []),
    el("p", {}, "预约只排除这里的法定节假日和周末，调休上班日可以预约。每年国务院办公厅发布次年放假通知后（通常在11月），请按通知逐条添加，再标记该年已完整填写。"),
    el("div", {class: "row", "data-testid": "holiday-years"}, "已完整填写的年份：",
      ...(data.years.length ? data.years.map((y) => el("span", {class: "badge ok"}, `${y}年`)) : ["无"])),
    el("div", {class: "row"}, "查看年份：", el("select", {"data-testid": "holiday-year", onchange: (e) => { location.hash = "#/holidays?year=" + e.target.value; }},
      ...years.map((y) => el("option", {value: y, selected: y === year ? true : null}, `${y}年`))),
      covered
        ? el("button", {type: "button", onclick: change(() => api("DELETE", `/api/v1/holidays/years/${year}`))}, `取消${year}年的完整标记`)
        : el("button", {type: "button", "data-testid": "holiday-cover", onclick: change(() => api("PUT", `/api/v1/holidays/years/${year}`))}, `${year}年已按通知填写完整`)),
    add,
    el("table", {"data-testid": "holiday-table"}, el("tr", {}, ...["日期", "星期", "类别", "名称", ""].map((t) => el("th", {}, t))),
      ...data.days.map(row)));
}
