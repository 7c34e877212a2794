class NoticeError(ValueError):
    """A refusal with a message in Chinese for the user."""

    @property
    def message(self) -> str:
        return str(self)
