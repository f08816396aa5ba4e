class KommunenummerConverter:
    """A kommunenummer: four digits, leading zeros kept (0301 Oslo)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
