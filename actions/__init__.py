"""Custom actions for the govchat Rasa assistant.

rasa-sdk imports every module of this package (twice under sanic 25), so nothing here may do work at import
time: the knowledge base opens lazily in ``actions.knowledge_base`` on the first question.
"""
