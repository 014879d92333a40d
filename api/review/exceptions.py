from api.errors import AppError, NotFound


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class MessageNotFound(NotFound):
    code = "message_not_found"


class NotAnAnswer(AppError):
    status = 422
    code = "not_an_answer"
    title = "无法标注"


class SearchRefused(AppError):
    status = 422
    code = "search_refused"
    title = "无法按该内容搜索"
