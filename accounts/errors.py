class DomainError(Exception):
    """A refused workflow step. The message is for the user (Chinese, translatable); views
    show it and keep what the user entered."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
