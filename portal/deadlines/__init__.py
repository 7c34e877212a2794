"""The deadline calendar (003's annex tables as data): per stage, task and term or 中职 month; the province edits it."""
