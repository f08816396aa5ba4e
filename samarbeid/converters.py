"""Path converters for the apps' URLs, registered in SamarbeidConfig.ready()."""

MIN_YEAR, MAX_YEAR = 1900, 2999


class YearConverter:
    """A year in a URL (årshjul, evaluation): any other number is a 404, not a date the calendar cannot hold.

    `to_url` takes any int, so that a link to the year after the last one is a 404 too, not a NoReverseMatch.
    """

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(year)
        return year

    def to_url(self, value: int) -> str:
        return str(value)
