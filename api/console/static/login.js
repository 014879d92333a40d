"use strict";
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    const res = await fetch("/api/v1/staff/login", {
      method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: document.getElementById("username").value,
                            password: document.getElementById("password").value}),
    });
    const body = await res.json();
    if (!res.ok) { error.textContent = body.detail || "登录失败"; return; }
    location.href = "/console/";
  } catch (e) { error.textContent = "网络错误，请稍后再试。"; }
});
