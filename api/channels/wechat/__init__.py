"""WeChat mini-program: login (jscode2session), the mini-program's chat API and customer-service message push."""
