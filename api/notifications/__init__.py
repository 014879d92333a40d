"""WeChat subscribe messages (订阅消息) about service requests: what the citizen allowed, and what was sent once."""
