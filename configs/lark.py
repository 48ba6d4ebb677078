# Lark (Feishu) bot settings, shared by configs through read_base():
#
#     from mmengine.config import read_base
#     with read_base():
#         from .lark import lark_bot_url  # noqa: F401   (and lark_bot_secret if signed)
#
# Then `python run.py CONFIG -l` posts: run launched, each stage finished, run finished.
#
# How to get a webhook: in the Lark/Feishu group, open Settings -> Bots -> Add Bot ->
# Custom Bot, name it, and copy its webhook address
# (https://open.feishu.cn/open-apis/bot/v2/hook/... or https://open.larksuite.com/...).
# If you enable "Signature verification" in the bot's security settings, copy the secret
# into lark_bot_secret. Both values are redacted in the dumped config and never logged;
# keep this file out of version control once it holds a real webhook.
lark_bot_url = ''
lark_bot_secret = ''
