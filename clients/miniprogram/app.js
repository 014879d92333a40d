const config = require("./config.js");

// Login: wx.login gives a one-time code; the gateway exchanges it for the openid and returns its own token.
// WeChat's session_key never reaches this client.
App({
  globalData: { token: null, sessionId: null },

  login() {
    const cached = wx.getStorageSync("govchat-auth");
    if (cached && cached.expiresAt > Date.now() + 60 * 1000) {
      this.globalData.token = cached.token;
      this.globalData.sessionId = cached.sessionId;
      return Promise.resolve(cached);
    }
    return new Promise((resolve, reject) => {
      wx.login({
        success: ({ code }) => {
          wx.request({
            url: config.apiBase + "/wechat/login",
            method: "POST",
            data: { code },
            success: (res) => {
              if (res.statusCode !== 200) { reject(res.data); return; }
              const auth = {
                token: res.data.token,
                sessionId: res.data.session_id,
                expiresAt: Date.now() + res.data.expires_in * 1000
              };
              wx.setStorageSync("govchat-auth", auth);
              this.globalData.token = auth.token;
              this.globalData.sessionId = auth.sessionId;
              resolve(auth);
            },
            fail: reject
          });
        },
        fail: reject
      });
    });
  },

  forgetLogin() {
    wx.removeStorageSync("govchat-auth");
    this.globalData.token = null;
  }
});
