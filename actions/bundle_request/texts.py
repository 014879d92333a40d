"""What the assistant says in the combined form of a life event; the shared questions are the single form's."""

START = (
    "好的，我来帮您一次申请{title}的{count}个事项：{titles}。\n"
    "姓名、身份证号、手机号和预约时间只填一次，之后再问各事项各自需要的几项信息。中途可以随时提问，或说“算了不办了”退出。"
)
WHICH_EVENT = "请先告诉我您要办的是哪件事，比如“孩子出生了要办哪些手续”，我列出清单后，点击“一次申请”即可。"
CANNOT_BUNDLE = "{title}里能一次申请的事项不足两个，请按清单逐项办理，点击事项即可查看办事指南。"
ASK_FACT = "【{service}】{question}"
DATE_FACT_HINT = "（请写出完整日期，例如 2026年11月20日）"
DATE_FACT_UNCLEAR = "请写出完整的日期，包括年份，例如 2026年11月20日。"
ASK_MATERIALS = "请确认您已备齐以下各事项的材料（同一份材料带一份即可）："
ASK_CONFIRM = "请核对您的一次申请：\n{summary}\n\n确认无误请点击“确认提交”，需要修改请点击对应按钮。"
SUBMITTED = (
    "您的{title}一次申请已提交成功！\n受理编号：{no}\n共{count}个事项，由各部门分别办理：\n{items}\n"
    "请记好受理编号，各事项的办理进度会通过本对话通知您，也可以随时说“查一下我的办件进度”。"
)
SUBMITTED_VISIT = "\n请于{when}携带材料到{office}办理，一次办齐需要到现场的事项。"
SUBMIT_UNAVAILABLE = (
    "抱歉，系统暂时无法提交您的申请，这次申请还没有提交成功，也没有生成受理编号。"
    "您填写的信息已保留，请稍后点击“重新提交”再试。"
)
