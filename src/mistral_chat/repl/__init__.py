"""The interactive side: the chat REPL, the model browser and the file manager.

``repl.session.ChatRepl`` is the chat loop; ``repl.browser.ModelBrowser`` the paged model table;
``repl.file_manager.FileManager`` the Files API menu; ``repl.commands`` the slash-command
registry. Nothing here is imported by ``mistral-chat --help``: prompt_toolkit and rich load when a
session starts.
"""
