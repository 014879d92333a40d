"""The chat contract shared by the web page, the widget and the WeChat mini-program."""
