/* 政务服务智能助手 embeddable widget.
 * Usage on any government site:
 *   <script src="https://GATEWAY/widget.js" defer data-label="智能咨询" data-elder="0"></script>
 * It adds a button in the corner that opens the chat page of that gateway in an iframe, so the host page's
 * styles and scripts never touch the chat and the chat never touches the host page. */
(function () {
  "use strict";
  if (window.__govchatWidget) { return; }
  window.__govchatWidget = true;

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  var origin = new URL(script.src, window.location.href).origin;
  var label = script.getAttribute("data-label") || "政务智能咨询";
  var elder = script.getAttribute("data-elder") === "1";

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "govchat-widget-panel");
  var bs = button.style;
  bs.position = "fixed"; bs.right = "16px"; bs.bottom = "16px"; bs.zIndex = "2147483000";
  bs.background = "#b3121f"; bs.color = "#fff"; bs.border = "none"; bs.borderRadius = "999px";
  bs.padding = "12px 18px"; bs.fontSize = "16px"; bs.cursor = "pointer";
  bs.boxShadow = "0 4px 16px rgba(0,0,0,.25)";
  bs.fontFamily = "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif";

  // The panel: a bar with the title and the close button above the chat, so the close button never covers the
  // chat's own header controls (长辈模式, 评价, 新对话), and it still closes when the chat page fails to load.
  var panel = document.createElement("div");
  panel.id = "govchat-widget-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "政务服务智能助手");
  panel.hidden = true;
  var ps = panel.style;
  ps.position = "fixed"; ps.zIndex = "2147483000"; ps.flexDirection = "column";
  ps.overflow = "hidden"; ps.boxShadow = "0 8px 32px rgba(0,0,0,.3)"; ps.background = "#fff";

  var bar = document.createElement("div");
  var bars = bar.style;
  bars.display = "flex"; bars.alignItems = "center"; bars.justifyContent = "space-between"; bars.flex = "none";
  bars.height = "44px"; bars.padding = "0 4px 0 14px"; bars.background = "#8c0e18"; bars.color = "#fff";
  bars.fontFamily = bs.fontFamily; bars.fontSize = "16px"; bars.fontWeight = "600";
  bar.appendChild(document.createTextNode("政务服务智能助手"));

  var close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "关闭智能咨询");
  var cs = close.style;
  cs.width = "44px"; cs.height = "44px"; cs.border = "none"; cs.background = "transparent"; cs.color = "#fff";
  cs.fontSize = "26px"; cs.cursor = "pointer"; cs.lineHeight = "44px"; cs.padding = "0";
  bar.appendChild(close);
  panel.appendChild(bar);

  // Phones: the chat takes the whole screen (a floating box leaves no room for the keyboard); larger screens: a box
  // above the launcher.
  var phone = window.matchMedia("(max-width: 600px)");

  function layout() {
    if (phone.matches) {
      ps.top = "0"; ps.left = "0"; ps.right = "0"; ps.bottom = "0"; ps.width = "100%"; ps.height = "100%";
      ps.borderRadius = "0";
    } else {
      ps.top = "auto"; ps.left = "auto"; ps.right = "16px"; ps.bottom = "76px";
      ps.width = "min(400px, calc(100vw - 32px))"; ps.height = "min(640px, calc(100vh - 100px))";
      ps.borderRadius = "14px";
    }
    ps.display = panel.hidden ? "none" : "flex";
    // Full screen, the launcher would sit on the chat's send button.
    bs.display = !panel.hidden && phone.matches ? "none" : "block";
  }

  var frame = null;

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = "政务服务智能助手";
      frame.src = origin + "/?embed=1" + (elder ? "&elder=1" : "");
      frame.setAttribute("allow", "clipboard-write");
      var fs = frame.style;
      fs.width = "100%"; fs.flex = "1"; fs.minHeight = "0"; fs.border = "0";
      panel.appendChild(frame);
    }
    panel.hidden = false;
    layout();
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function hide() {
    panel.hidden = true;
    layout();
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  button.addEventListener("click", function () { if (panel.hidden) { open(); } else { hide(); } });
  close.addEventListener("click", hide);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { hide(); } });

  if (phone.addEventListener) { phone.addEventListener("change", layout); }
  layout();
  function mount() { document.body.appendChild(panel); document.body.appendChild(button); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
