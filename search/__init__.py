"""Jiebang's search and matching engine (Django app label ``jiebang_search``)."""
