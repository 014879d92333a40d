// The gateway's HTTPS address. It must be registered as a "request 合法域名" in the mini-program console.
module.exports = {
  apiBase: "https://govchat.example.gov.cn/api/v1",
  pollSeconds: 3
};
