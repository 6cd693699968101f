"""Mock interviewer: practise data-science internship interviews in Telegram or a terminal."""

__version__ = "0.1.0"
