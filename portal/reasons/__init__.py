"""Unfunded reasons (未资助原因): why each library student left unfunded in a period was not funded."""
