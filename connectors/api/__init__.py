"""The service 服务: zwgk over HTTP for the people and systems that use it (`zwgk serve`).

Routes sign the caller in, call the application layer (commands, queries, operations) and
render its answers as JSON, CSV or files; they hold no rule, query or SQL of their own.
"""
